"""Closing the loop: an initiative shipped, so everyone who reported the need hears about it, once."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.initiative import InitiativeShipped
from terrain_contracts.events.notification import (
    Channel,
    LoopClosedData,
    NotificationLoopClosed,
    Purpose,
)
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.deliveries import PENDING, notification_id
from ..domain.loops import CLOSED, ReporterLoops, Shipped, group_by_reporter, message_status, reporter_id
from ..domain.messages import loop_closure_message, render
from ..store import deliveries, directory, state
from .context import Context
from .fanout import flow_of


async def on_shipped(uow: UnitOfWork, context: Context, event: InitiativeShipped) -> None:
    """One message per reporter and initiative, whatever the number of shipped events or linked items."""
    data, initiative = event.data, event.data.initiative
    shipped = Shipped(initiative.initiative_id, initiative.owner_team_id, context.now())
    known = await directory.reporters(uow, data.linked_feedback_ids)
    grouped = group_by_reporter(data.linked_feedback_ids, known)
    loops = shipped.unreachable(grouped)
    for key, reporter in grouped.by_reporter.items():
        nid = await _tell(uow, event, key, reporter, shipped.at)
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


async def _tell(
    uow: UnitOfWork, event: InitiativeShipped, key: str, reporter: ReporterLoops, now: datetime
) -> str:
    """Record the reporter's message (a second recording of the same one is a no-op); returns its id."""
    data, initiative = event.data, event.data.initiative
    nid = notification_id(Purpose.loop_closure.value, initiative.initiative_id, key)
    message = loop_closure_message(
        reporter.name, initiative.title, data.release_note, initiative.initiative_id, reporter.texts
    )
    doc = deliveries.document(
        nid,
        Purpose.loop_closure,
        Channel.email,
        reporter_id(reporter.email),
        {"email": reporter.email},
        render(Channel.email, message, nid),
        now,
        now,
        initiative_id=initiative.initiative_id,
        feedback_ids=reporter.feedback_ids,
        owner_team_id=initiative.owner_team_id,
        **flow_of(uow, event),
    )
    await deliveries.add(uow, doc)
    return nid


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
