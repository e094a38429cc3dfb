"""Use cases. Every intake path (JetStream, webhooks, import) goes through :func:`ingest`."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from terrain_contracts import Event
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.events.feedback import (
    FeedbackErased,
    FeedbackErasedData,
    FeedbackIngested,
    FeedbackRejected,
    FeedbackRejectedData,
    FeedbackSubmittedData,
    IntakeChannel,
)
from terrain_contracts.types import FieldError
from terrain_kit import logs
from terrain_kit.uow import UnitOfWork

from . import metrics, store
from .domain.items import (
    Accounts,
    Decision,
    DuplicateRules,
    IntakePlan,
    Outcome,
    customer_domain,
    dup_key,
    feedback_id,
)
from .settings import FeedbackSettings

SOURCE = "feedback"
ERASURE_PART = 1000  # ids per feedback.erased event (the contract's bound)


@dataclass(frozen=True)
class Submission:
    data: FeedbackSubmittedData
    channel: IntakeChannel
    cause: Event | None = None  # the feedback.submitted event, when it came as one


@dataclass(frozen=True)
class Rules:
    """What every intake path shares: the rules from settings and the process's recent-items cache."""

    duplicates: DuplicateRules
    redact: bool
    recent: store.RecentItems

    @classmethod
    def of(cls, settings: FeedbackSettings) -> "Rules":
        d = settings.duplicates
        return cls(
            DuplicateRules(d.threshold, timedelta(days=d.window_days), d.max_candidates),
            settings.redact_contacts,
            store.RecentItems(d.max_candidates, d.cache_seconds),
        )


async def ingest(
    uow: UnitOfWork, submissions: Sequence[Submission], rules: Rules, now: datetime | None = None
) -> list[Decision]:
    """Store new items and edits, announce each with feedback.ingested; replays change nothing.

    Reads in bulk (items, tombstones, accounts, duplicate candidates), decides in memory in
    submission order (two submissions of one item in a batch: the second is an edit or a replay
    of the first), writes in bulk.
    """
    now = now or datetime.now(UTC)
    ids = [_id(s) for s in submissions]
    domains = {d for s in submissions if (d := customer_domain(s.data))}
    account_ids = {s.data.customer.account_id for s in submissions if s.data.customer.account_id}
    # Tombstones and accounts are read as committed, outside the transaction, meanwhile: a session
    # serves one operation at a time and each round trip to the local server costs tens of ms.
    existing, erased, found_accounts = await asyncio.gather(
        store.items_by_id(uow, ids),
        store.erased_ids(uow.db, ids),
        store.accounts_for(uow.db, account_ids, domains),
    )
    accounts = Accounts.of(found_accounts)
    keys = {key for s in submissions if (key := dup_key(*_key_parts(s.data, accounts)))}
    candidates = await rules.recent.get(uow, keys)
    plan = IntakePlan(
        existing=existing,
        erased=erased,
        accounts=accounts,
        candidates=candidates,
        rules=rules.duplicates,
        redact=rules.redact,
        now=now,
    )
    decisions = [plan.decide(s.data, s.channel) for s in submissions]
    await store.write_items(
        uow,
        plan.changed.values(),
        {fid: existing[fid].ingested.revision for fid in plan.changed if fid in existing},
    )
    changed = list(plan.changed.values())

    def committed() -> None:
        # Only committed items may become duplicate candidates, and a retried attempt counts once.
        rules.recent.add(changed)
        for submission, decision in zip(submissions, decisions, strict=True):
            metrics.count_intake(submission, decision)

    uow.after_commit(committed)
    for submission, decision in zip(submissions, decisions, strict=True):
        if decision.item is not None:
            uow.emit(
                FeedbackIngested.create(
                    decision.item.ingested,
                    source=SOURCE,
                    cause=submission.cause,
                    correlation_id=_correlation(submission),
                )
            )
        elif decision.outcome is Outcome.rejected:
            uow.emit(
                rejection(
                    submission.channel,
                    decision.errors,
                    submission.data.source,
                    submission.data.external_id,
                    submission.data.text,
                    cause=submission.cause,
                )
            )
    return decisions


def _id(submission: Submission) -> str:
    return feedback_id(submission.data.source, submission.data.external_id)


def _key_parts(data: FeedbackSubmittedData, accounts: Accounts) -> tuple[str | None, str | None]:
    domain = customer_domain(data)
    account_id, _ = accounts.resolve(data, domain)
    return account_id, domain


def _correlation(submission: Submission) -> str | None:
    return submission.cause.correlation_id if submission.cause else logs.correlation_id.get()


def rejection(
    channel: IntakeChannel,
    errors: list[FieldError],
    source: str | None,
    external_id: str | None,
    excerpt: str | None,
    cause: Event | None = None,
) -> FeedbackRejected:
    data = FeedbackRejectedData(
        channel=channel,
        source=(source or None) and source[:64],
        external_id=(external_id or None) and external_id[:256],
        errors=errors[:50] or [FieldError(field="(root)", message="invalid")],
        excerpt=(excerpt or None) and excerpt[:2000],
    )
    metrics.REJECTED.labels(channel.value).inc()
    return FeedbackRejected.create(
        data, source=SOURCE, cause=cause, correlation_id=None if cause else logs.correlation_id.get()
    )


# -- accounts ------------------------------------------------------------------------------------


async def apply_account(uow: UnitOfWork, account: Account, as_of: datetime) -> bool:
    """A CRM's latest view of an account; later feedback is weighted with it (earlier keeps its snapshot)."""
    return await store.save_account(uow, account.model_dump(mode="json"), as_of)


async def put_account(uow: UnitOfWork, account: Account) -> AccountUpdated:
    """An account changed through the API: stored, and announced like a CRM would."""
    event = AccountUpdated.create(
        AccountUpdatedData(account=account), source=SOURCE, correlation_id=logs.correlation_id.get()
    )
    await store.save_account(uow, account.model_dump(mode="json"), event.occurred_at)
    uow.emit(event)
    return event


# -- shipping ------------------------------------------------------------------------------------


async def mark_shipped(uow: UnitOfWork, feedback_ids: list[str], initiative_id: str) -> int:
    return await store.mark_shipped(uow, feedback_ids, initiative_id) if feedback_ids else 0


# -- erasure -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    erasure_id: str
    feedback_ids: list[str]
    replayed: bool  # the same request was already carried out: nothing more was done


async def erase_customer(
    uow: UnitOfWork,
    *,
    account_id: str | None,
    customer_email: str | None,
    reason: str,
    requested_by: str,
    erasure_id: str | None = None,
) -> Erasure:
    """Delete one customer's feedback and tell the other services, in parts of at most 1000 ids."""
    erasure_id = erasure_id or f"er-{uuid.uuid4().hex}"
    done = await store.find_erasure(uow, erasure_id)
    if done is not None:
        return Erasure(erasure_id, done.get("feedback_ids", []), replayed=True)
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "_id": erasure_id,
        "account_id": account_id,
        "customer_email": customer_email,
        "reason": reason,
        "requested_by": requested_by,
        "at": now,
    }
    ids = await store.erase(uow, store.erasure_query(account_id, customer_email), record)
    parts = [ids[i : i + ERASURE_PART] for i in range(0, len(ids), ERASURE_PART)]
    for number, part in enumerate(parts, start=1):
        uow.emit(
            FeedbackErased.create(
                FeedbackErasedData(
                    erasure_id=erasure_id,
                    account_id=account_id,
                    customer_email=customer_email,
                    feedback_ids=part,
                    part=number,
                    parts=len(parts),
                    reason=reason,
                    requested_by=requested_by,
                ),
                source=SOURCE,
                correlation_id=logs.correlation_id.get(),
            )
        )
    metrics.ERASED.inc(len(ids))
    return Erasure(erasure_id, ids, replayed=False)
