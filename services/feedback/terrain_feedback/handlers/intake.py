"""Ingesting feedback: every intake path (JetStream, webhooks, import) goes through :func:`ingest`."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from terrain_contracts import Event
from terrain_contracts.events.feedback import (
    FeedbackIngested,
    FeedbackRejected,
    FeedbackRejectedData,
    FeedbackSubmittedData,
    IntakeChannel,
)
from terrain_kit import logs
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.items import Accounts, Decision, IntakePlan, Outcome, customer_domain, dup_key, feedback_id
from ..domain.rejections import invalid_submission, rejected
from ..store import accounts as account_store
from ..store import erasures as erasure_store
from ..store import items as item_store
from .context import Context

SOURCE = "feedback"


@dataclass(frozen=True)
class Submission:
    data: FeedbackSubmittedData
    channel: IntakeChannel
    cause: Event | None = None  # the feedback.submitted event, when it came as one


async def ingest(uow: UnitOfWork, context: Context, submissions: Sequence[Submission]) -> list[Decision]:
    """Store new items and edits, announce each with feedback.ingested; replays change nothing.

    Reads in bulk (items, tombstones, accounts, duplicate candidates), decides in memory in
    submission order (two submissions of one item in a batch: the second is an edit or a replay
    of the first), writes in bulk.
    """
    plan = await _plan(uow, context, submissions)
    decisions = [plan.decide(s.data, s.channel) for s in submissions]
    await item_store.write_items(uow, plan.changed.values(), plan.revisions_read())
    changed = list(plan.changed.values())

    def committed() -> None:
        # Only committed items may become duplicate candidates, and a retried attempt counts once.
        context.recent.add(changed)
        for submission, decision in zip(submissions, decisions, strict=True):
            metrics.count_intake(submission.data, submission.channel, decision)

    uow.after_commit(committed)
    for submission, decision in zip(submissions, decisions, strict=True):
        _announce(uow, submission, decision)
    return decisions


async def ingest_one(uow: UnitOfWork, context: Context, submission: Submission) -> Decision:
    [decision] = await ingest(uow, context, [submission])
    return decision


async def _plan(uow: UnitOfWork, context: Context, submissions: Sequence[Submission]) -> IntakePlan:
    """What the store knows of these submissions, ready to decide on."""
    ids = [feedback_id(s.data.source, s.data.external_id) for s in submissions]
    domains = {d for s in submissions if (d := customer_domain(s.data))}
    account_ids = {s.data.customer.account_id for s in submissions if s.data.customer.account_id}
    # Tombstones and accounts are read as committed, outside the transaction, meanwhile: a session
    # serves one operation at a time and each round trip to the local server costs tens of ms.
    existing, erased, found_accounts = await asyncio.gather(
        item_store.items_by_id(uow, ids),
        erasure_store.erased_ids(uow, ids),
        account_store.accounts_for(uow, account_ids, domains),
    )
    accounts = Accounts.of(found_accounts)
    keys = {key for s in submissions if (key := dup_key(*_key_parts(s.data, accounts)))}
    return IntakePlan(
        existing=existing,
        erased=erased,
        accounts=accounts,
        candidates=await context.recent.get(uow, keys),
        rules=context.duplicates,
        redact=context.redact,
        now=context.now(),
    )


def _key_parts(data: FeedbackSubmittedData, accounts: Accounts) -> tuple[str | None, str | None]:
    domain = customer_domain(data)
    account_id, _ = accounts.resolve(data, domain)
    return account_id, domain


def _announce(uow: UnitOfWork, submission: Submission, decision: Decision) -> None:
    if decision.item is not None:
        correlation = submission.cause.correlation_id if submission.cause else logs.correlation_id.get()
        event = FeedbackIngested.create(
            decision.item.ingested, source=SOURCE, cause=submission.cause, correlation_id=correlation
        )
        uow.emit(event)
    elif decision.outcome is Outcome.rejected:
        data = submission.data
        refused = rejected(submission.channel, decision.errors, data.source, data.external_id, data.text)
        uow.emit(rejection(refused, submission.cause))


def rejection(data: FeedbackRejectedData, cause: Event | None = None) -> FeedbackRejected:
    metrics.REJECTED.labels(data.channel.value).inc()
    return FeedbackRejected.create(
        data, source=SOURCE, cause=cause, correlation_id=None if cause else logs.correlation_id.get()
    )


async def reject_invalid(uow: UnitOfWork, payload: bytes, reason: str) -> None:
    """A submission failing its contract: announce feedback.rejected (the kit dead-letters it after)."""
    uow.emit(rejection(invalid_submission(payload, reason)))
