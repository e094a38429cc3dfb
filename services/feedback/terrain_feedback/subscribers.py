"""Durable consumers: parse the contract, call a handler, nothing else."""

import json

from pydantic import ValidationError
from terrain_contracts.events.account import AccountUpdated
from terrain_contracts.events.feedback import FeedbackSubmitted, IntakeChannel
from terrain_contracts.events.initiative import InitiativeShipped
from terrain_contracts.types import FieldError
from terrain_kit.consumers import Consumers
from terrain_kit.uow import UnitOfWork

from . import handlers, metrics
from .domain.items import field_errors
from .handlers import Rules, Submission

# The bulk import publishes with this envelope source, so its items say channel "import".
IMPORT_PRODUCER = "feedback-import"


def channel_of(event: FeedbackSubmitted) -> IntakeChannel:
    return IntakeChannel.bulk_import if event.source == IMPORT_PRODUCER else IntakeChannel.event


async def record_invalid(subject: str, payload: bytes, reason: str, uow: UnitOfWork) -> None:
    """A submission failing its contract: announce feedback.rejected (the kit dead-letters it after)."""
    try:
        FeedbackSubmitted.model_validate_json(payload, extra="ignore")
        errors = [FieldError(field="(root)", message=reason[:2000] or "invalid")]
    except ValidationError as exc:
        errors = field_errors(exc)
    try:
        raw = json.loads(payload)
        data = raw.get("data") if isinstance(raw, dict) else None
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}

    def text(name: str) -> str | None:
        value = data.get(name)
        # json.loads accepts half an emoji (a lone surrogate escape, from a JavaScript producer cutting a
        # string); the contract's strings do not, and the refusal must still be announced.
        return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else None

    uow.emit(
        handlers.rejection(
            IntakeChannel.event,
            errors,
            text("source"),
            text("external_id"),
            text("text") or payload[:2000].decode("utf-8", "replace"),
        )
    )


def make_consumers(rules: Rules) -> Consumers:
    consumers = Consumers("feedback")

    @consumers.on(FeedbackSubmitted, durable="feedback-intake", batch=True, on_invalid=record_invalid)
    async def intake(events: list[FeedbackSubmitted], uow: UnitOfWork) -> None:
        """Store submitted feedback (new items, edits; replays are no-ops) and announce feedback.ingested."""
        await handlers.ingest(uow, [Submission(e.data, channel_of(e), e) for e in events], rules)

    @consumers.on(AccountUpdated, durable="feedback-accounts")
    async def accounts(event: AccountUpdated, uow: UnitOfWork) -> None:
        """Keep the account registry at the CRMs' latest state."""
        await handlers.apply_account(uow, event.data.account, event.occurred_at)

    @consumers.on(InitiativeShipped, durable="feedback-shipped")
    async def shipped(event: InitiativeShipped, uow: UnitOfWork) -> None:
        """Mark the feedback an initiative answered as shipped."""
        data = event.data
        count = await handlers.mark_shipped(uow, data.linked_feedback_ids, data.initiative.initiative_id)
        metrics.SHIPPED.inc(count)

    return consumers
