"""What the dispatcher learnt from a send, recorded with the events it implies (through the outbox)."""

from datetime import datetime
from typing import Any

from terrain_contracts import streams, subjects
from terrain_contracts.events.notification import (
    Channel,
    NotificationDelivered,
    NotificationDeliveredData,
    NotificationFailed,
    NotificationFailedData,
    Purpose,
)
from terrain_kit import deadletters
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.loops import CLOSED, NOT_CLOSED
from ..store import deliveries, state
from .loops import emit_closed

SERVICE = "notifier"
DISPATCH_CONSUMER = "notifier-dispatch"


def envelope(doc: dict[str, Any]) -> dict[str, Any]:
    """The delivery's events continue the flow (correlation, causation) of the event that caused it."""
    return {
        "source": SERVICE,
        "correlation_id": doc.get("correlation_id"),
        "causation_id": doc.get("cause_id"),
    }


def _refs(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "notification_id": doc["_id"],
        "purpose": Purpose(doc["purpose"]),
        "channel": Channel(doc["channel"]),
        "recipient_id": doc["recipient_id"],
        "insight_ids": doc.get("insight_ids", []),
        "initiative_id": doc.get("initiative_id"),
        # A loop closure's recipient is a reporter: the feedback ids let erasing it delete the event.
        "feedback_ids": doc.get("feedback_ids", []) if doc["purpose"] == Purpose.loop_closure.value else [],
    }


async def delivered(
    uow: UnitOfWork, doc: dict[str, Any], instance: str, attempts: int, now: datetime
) -> bool:
    if not await deliveries.mark_delivered(uow, doc, instance, attempts, now):
        return False
    uow.emit(
        NotificationDelivered(
            data=NotificationDeliveredData(**_refs(doc), attempts=attempts, delivered_at=now), **envelope(doc)
        )
    )
    if doc["purpose"] == Purpose.loop_closure.value:
        loops = await state.settle_loops(uow, doc["_id"], CLOSED, None, now)
        emit_closed(uow, loops, now, envelope(doc))
        metrics.LOOPS.labels(CLOSED).inc(len(loops))
    return True


async def failed(
    uow: UnitOfWork,
    doc: dict[str, Any],
    instance: str,
    attempts: int,
    reason: str,
    error_type: str,
    now: datetime,
) -> bool:
    """Final failure: NotificationFailed through the outbox, and a dead letter kept for publishing."""
    event = NotificationFailed(
        data=NotificationFailedData(**_refs(doc), attempts=attempts, reason=reason[:2000], failed_at=now),
        **envelope(doc),
    )
    sequence = await deliveries.next_dead_letter_sequence(uow)
    # The record names the delivery's own failure sequence: its JetStream de-duplication id stays unique.
    record = deadletters.build(
        SERVICE,
        DISPATCH_CONSUMER,
        subjects.NOTIFICATION_FAILED,
        streams.NOTIFICATIONS,
        sequence,
        event.to_json(),
        {"Terrain-Notification-Id": doc["_id"]},
        attempts=attempts,
        reason=reason,
        error_type=error_type,
    )
    if not await deliveries.mark_failed(
        uow,
        doc,
        instance,
        attempts,
        reason,
        now,
        {"sequence": sequence, "record": record.model_dump(mode="json")},
    ):
        return False
    uow.emit(event)
    if doc["purpose"] == Purpose.loop_closure.value:
        loops = await state.settle_loops(uow, doc["_id"], NOT_CLOSED, f"message failed: {reason}"[:500], now)
        metrics.LOOPS.labels(NOT_CLOSED).inc(len(loops))
    return True
