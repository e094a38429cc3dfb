"""Closing the loop: an initiative shipped, so everyone who reported the need (and opted into it) hears
about it, once, in the text for their audience."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.initiative import InitiativeShipped
from terrain_contracts.events.notification import (
    Channel,
    LoopClosedData,
    NotificationLoopClosed,
)
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.deliveries import PENDING
from ..domain.followups import Step
from ..domain.loops import CLOSED, Shipped, message_status
from ..domain.reporter_messages import Lifecycle
from ..store import deliveries, state
from .context import Context
from .followups import reporters, tell


async def on_shipped(uow: UnitOfWork, context: Context, event: InitiativeShipped) -> None:
    """One message per reporter and initiative, whatever the number of shipped events or linked items."""
    data, initiative = event.data, event.data.initiative
    shipped = Shipped(initiative.initiative_id, initiative.owner_team_id, context.now())
    life = Lifecycle(
        Step.shipped,
        initiative.initiative_id,
        initiative.title,
        initiative.quarter,
        release_note=data.release_note,
    )
    grouped = await reporters(uow, context, data.linked_feedback_ids, Step.shipped)
    loops = shipped.unreachable(grouped)
    for key, reporter in grouped.by_reporter.items():
        nid = await tell(uow, context, event, life, initiative.owner_team_id, key, reporter, shipped.at)
        status, reason = message_status(await deliveries.get(uow, nid))
        loops += shipped.of_reporter(key, reporter, nid, status, reason)
    inserted = await state.add_loops(uow, loops)
    recorded = [loop for loop in loops if loop["_id"] in inserted]
    for loop in recorded:
        if loop["status"] != PENDING:
            metrics.LOOPS.labels(loop["status"]).inc()
    envelope = {"source": "notifier", "correlation_id": event.correlation_id, "causation_id": event.id}
    emit_closed(uow, [loop for loop in recorded if loop["status"] == CLOSED], shipped.at, envelope)
    uow.after_commit(context.wake)


def emit_closed(
    uow: UnitOfWork, loops: list[dict[str, Any]], now: datetime, envelope: dict[str, Any]
) -> None:
    for loop in loops:
        uow.emit(
            NotificationLoopClosed(
                data=LoopClosedData(
                    initiative_id=loop["initiative_id"],
                    owner_team_id=loop["owner_team_id"],
                    feedback_id=loop["feedback_id"],
                    reporter_email=loop["reporter_email"],
                    channel=Channel.email,
                    notified_at=now,
                ),
                **envelope,
            )
        )
