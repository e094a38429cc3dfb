"""Durable consumers: parse the contract, call a handler, nothing else."""

from terrain_contracts.events.account import AccountUpdated
from terrain_contracts.events.feedback import FeedbackClassified, FeedbackSubmitted
from terrain_contracts.events.initiative import (
    InitiativeCreated,
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeShipped,
    InitiativeStatusChanged,
    InitiativeUpdated,
)
from terrain_kit.consumers import Consumers
from terrain_kit.uow import UnitOfWork

from .domain.mapping import channel_of
from .handlers import accounts, followups, intake, shipped
from .handlers.context import Context
from .handlers.followups import InitiativeEvent
from .handlers.intake import Submission


async def on_invalid_submission(subject: str, payload: bytes, reason: str, uow: UnitOfWork) -> None:
    """A submission failing its contract is announced as feedback.rejected (the kit dead-letters it)."""
    await intake.reject_invalid(uow, payload, reason)


def declare(context: Context) -> Consumers:
    consumers = Consumers("feedback")

    # Tools' submissions carry names, emails and words: the kit indexes where each is stored, so that an
    # erasure deletes them from the stream (index_personal).
    @consumers.on(
        FeedbackSubmitted,
        durable="feedback-intake",
        batch=True,
        on_invalid=on_invalid_submission,
        index_personal=True,
    )
    async def on_submitted(events: list[FeedbackSubmitted], uow: UnitOfWork) -> None:
        """Store submitted feedback (new items, edits; replays are no-ops) and announce feedback.ingested."""
        submissions = [Submission(e.data, channel_of(e.source), e) for e in events]
        await intake.ingest(uow, context, submissions)

    @consumers.on(AccountUpdated, durable="feedback-accounts", batch=True)
    async def on_account_updated(events: list[AccountUpdated], uow: UnitOfWork) -> None:
        """Keep the account registry at the CRMs' latest state (a batch: one read, one bulk write)."""
        await accounts.apply_accounts(uow, [(e.data.account, e.occurred_at) for e in events])

    @consumers.on(InitiativeShipped, durable="feedback-shipped")
    async def on_shipped(event: InitiativeShipped, uow: UnitOfWork) -> None:
        """Mark the feedback an initiative answered as shipped."""
        data = event.data
        await shipped.mark_shipped(uow, data.linked_feedback_ids, data.initiative.initiative_id)

    # What became of items, for "my feedback": the theme insights gave them, the initiatives linking them.
    @consumers.on(FeedbackClassified, durable="feedback-themes", batch=True)
    async def on_classified(events: list[FeedbackClassified], uow: UnitOfWork) -> None:
        """Keep each item's theme (its newest classified revision)."""
        await followups.apply_classified(uow, events)

    @consumers.on(
        InitiativeCreated,
        InitiativeUpdated,
        InitiativeStatusChanged,
        InitiativeShipped,
        InitiativeDropped,
        InitiativeFeedbackLinked,
        InitiativeFeedbackUnlinked,
        durable="feedback-initiatives",
    )
    async def on_initiative(event: InitiativeEvent, uow: UnitOfWork) -> None:
        """Keep which initiatives link which items, and each initiative's title and status."""
        await followups.apply_initiative(uow, event)

    return consumers
