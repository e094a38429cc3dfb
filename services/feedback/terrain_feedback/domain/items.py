"""Feedback items: identity, normalisation, enrichment, edits and near-duplicates. Pure.

One planner serves every intake path (events, webhooks, imports): it is given
what the store knows about the submitted items, their accounts and recent
items of the same customers, and decides per submission whether it is new,
an edit (revision + 1), unchanged (a replay) or refused.
"""

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from terrain_contracts.events.feedback import (
    AccountSnapshot,
    DuplicateLink,
    FeedbackIngestedData,
    FeedbackSubmittedData,
    IntakeChannel,
    ReporterRole,
    feedback_id,
)
from terrain_contracts.types import FieldError

from .similarity import Candidate, best_match, signature, trigrams
from .text import detect_language, normalise_line, normalise_text, redact_contacts


class Outcome(StrEnum):
    created = "created"
    edited = "edited"
    unchanged = "unchanged"  # the same delivery again: nothing new is stored
    erased = "erased"  # the customer asked for erasure: never stored again
    rejected = "rejected"


class Status(StrEnum):
    open = "open"
    shipped = "shipped"


def normalise(data: FeedbackSubmittedData, *, redact: bool) -> FeedbackSubmittedData | list[FieldError]:
    """Clean text and names; detect the language when the producer did not say. Errors name the field."""
    text = normalise_text(data.text)
    if redact:
        text = redact_contacts(text)
    errors = []
    if not text:
        errors.append(
            FieldError(field="text", message="is empty once whitespace and control characters are removed")
        )
    reporter_name = normalise_line(data.reporter.name)
    if not reporter_name:
        errors.append(FieldError(field="reporter.name", message="is empty once whitespace is removed"))
    if errors:
        return errors
    customer_name = normalise_line(data.customer.name) if data.customer.name else None
    return data.model_copy(
        update={
            "text": text,
            "reporter": data.reporter.model_copy(update={"name": reporter_name}),
            "customer": data.customer.model_copy(update={"name": customer_name or None}),
            "tags": list(dict.fromkeys(data.tags)),
            "language": data.language or detect_language(text),
        }
    )


def content_hash(data: FeedbackSubmittedData) -> str:
    # Fields added to the contract later are left out while unset, so an item stored before them hashes
    # the same when replayed (unchanged, not an edit).
    added: dict[str, Any] = {}
    if data.proposed_initiative_id is None:
        added["proposed_initiative_id"] = True
    if data.reporter.member_id is None:
        added["reporter"] = {"member_id"}
    return hashlib.sha256(data.model_dump_json(exclude=added or None).encode()).hexdigest()


def email_domain(email: str | None) -> str | None:
    return email.rsplit("@", 1)[1].lower() if email else None


def customer_domain(data: FeedbackSubmittedData) -> str | None:
    """The customer's email domain: theirs, else the one given, else the reporter's if it is them."""
    if data.customer.email:
        return email_domain(data.customer.email)
    if data.customer.domain:
        return data.customer.domain
    if data.reporter.role is ReporterRole.customer:
        return email_domain(data.reporter.email)
    return None


@dataclass(frozen=True)
class Accounts:
    """The registry entries a batch may need: by id and by email domain."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_domain: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, accounts: list[dict[str, Any]]) -> "Accounts":
        by_domain: dict[str, dict[str, Any]] = {}
        # One winner per domain, always the same one.
        for account in sorted(accounts, key=lambda a: a["account_id"]):
            for domain in account.get("domains", []):
                by_domain.setdefault(domain, account)
        return cls({a["account_id"]: a for a in accounts}, by_domain)

    def resolve(self, data: FeedbackSubmittedData, domain: str | None) -> tuple[str | None, dict | None]:
        """(account id, registry entry): by the id the producer gave, else by the customer's email domain."""
        account = self.by_id.get(data.customer.account_id) if data.customer.account_id else None
        if account is None and domain:
            account = self.by_domain.get(domain)
        if account is None:  # an id the registry does not know yet still files the item under it
            return data.customer.account_id, None
        return account["account_id"], account


def snapshot(account: dict[str, Any] | None) -> AccountSnapshot | None:
    if account is None:
        return None
    return AccountSnapshot(
        account_id=account["account_id"],
        name=account["name"],
        arr=account.get("arr"),
        plan=account.get("plan"),
        segment=account.get("segment"),
        renewal_date=account.get("renewal_date"),
    )


@dataclass(frozen=True)
class Item:
    """An item as stored: what was ingested, plus what the service needs to find, edit and erase it."""

    ingested: FeedbackIngestedData
    customer: dict[str, Any]
    account_id: str | None
    content_hash: str
    signature: str
    dup_key: str | None
    first_ingested_at: datetime
    status: Status = Status.open
    shipped_in: tuple[str, ...] = ()

    @property
    def feedback_id(self) -> str:
        return self.ingested.feedback_id


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    feedback_id: str | None = None
    item: Item | None = None  # set for created and edited: what to write and announce
    errors: list[FieldError] = field(default_factory=list)

    @property
    def revision(self) -> int | None:
        return self.item.ingested.revision if self.item else None


@dataclass(frozen=True)
class DuplicateRules:
    threshold: float
    window: timedelta
    max_candidates: int


def dup_key(account_id: str | None, domain: str | None) -> str | None:
    """Items compared for near-duplicates share this: the same account, else the same customer domain."""
    if account_id:
        return f"account:{account_id}"
    return f"domain:{domain}" if domain else None


class IntakePlan:
    """Decides a batch of submissions in order; later ones see the effect of earlier ones."""

    def __init__(
        self,
        *,
        existing: dict[str, Item],
        erased: set[str],
        accounts: Accounts,
        candidates: dict[str, list[Candidate]],
        rules: DuplicateRules,
        redact: bool,
        now: datetime,
    ) -> None:
        self._read = existing
        self._items = dict(existing)
        self._erased = erased
        self._accounts = accounts
        self._candidates = {key: list(found) for key, found in candidates.items()}  # by dup_key
        self._rules = rules
        self._redact = redact
        self._now = now
        self.changed: dict[str, Item] = {}  # final state of every item created or edited by the batch

    def decide(self, submitted: FeedbackSubmittedData, channel: IntakeChannel) -> Decision:
        data = normalise(submitted, redact=self._redact)
        if isinstance(data, list):
            return Decision(Outcome.rejected, errors=data)
        fid = feedback_id(data.source, data.external_id)
        if fid in self._erased:
            return Decision(Outcome.erased, fid)
        digest = content_hash(data)
        previous = self._items.get(fid)
        if previous is not None and previous.content_hash == digest:
            return Decision(Outcome.unchanged, fid)
        domain = customer_domain(data)
        account_id, account = self._accounts.resolve(data, domain)
        sig, key = signature(data.text), dup_key(account_id, domain)
        duplicate = self._near_duplicate(fid, key, sig, data.occurred_at)
        ingested = FeedbackIngestedData(
            feedback_id=fid,
            revision=previous.ingested.revision + 1 if previous else 1,
            source=data.source,
            external_id=data.external_id,
            channel=channel,
            kind=data.kind,
            reporter=data.reporter,
            account=snapshot(account),
            customer_email_domain=domain,
            text=data.text,
            language=data.language,
            tags=data.tags,
            rating=data.rating,
            nps=data.nps,
            occurred_at=data.occurred_at,
            ingested_at=self._now,
            url=data.url,
            duplicate_of=duplicate,
            proposed_initiative_id=data.proposed_initiative_id,
        )
        item = Item(
            ingested=ingested,
            customer=data.customer.model_dump(mode="json"),
            account_id=account_id,
            content_hash=digest,
            signature=sig,
            dup_key=key,
            first_ingested_at=previous.first_ingested_at if previous else self._now,
        )
        if previous is not None:  # an edit keeps what happened to the item since
            item = replace(item, status=previous.status, shipped_in=previous.shipped_in)
        self._items[fid] = self.changed[fid] = item
        self._remember(item, data.occurred_at)
        return Decision(Outcome.edited if previous else Outcome.created, fid, item)

    def _remember(self, item: Item, occurred_at: datetime) -> None:
        """Later submissions of the batch compare with this item (an edit replaces its earlier entry)."""
        key, fid = item.dup_key, item.feedback_id
        if key is None:
            return
        root = item.ingested.duplicate_of.feedback_id if item.ingested.duplicate_of else fid
        others = [c for c in self._candidates.get(key, ()) if c.feedback_id != fid]
        self._candidates[key] = [*others, Candidate(fid, occurred_at, item.signature, root)]

    def revisions_read(self) -> dict[str, int]:
        """The revision read of each stored item the batch changed: a replacement must find it unchanged."""
        return {fid: self._read[fid].ingested.revision for fid in self.changed if fid in self._read}

    def _near_duplicate(
        self, fid: str, key: str | None, sig: str, occurred_at: datetime
    ) -> DuplicateLink | None:
        if key is None or not sig:
            return None
        match = best_match(
            trigrams(sig),
            occurred_at,
            self._candidates.get(key, ()),
            threshold=self._rules.threshold,
            window=self._rules.window,
            max_candidates=self._rules.max_candidates,
            exclude=fid,
        )
        return DuplicateLink(feedback_id=match.feedback_id, similarity=match.similarity) if match else None
