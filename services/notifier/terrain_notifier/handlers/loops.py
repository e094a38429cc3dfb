"""Closing the loop: an initiative shipped, so everyone who reported the need hears about it, once."""

import hashlib
import re
from datetime import datetime
from typing import Any

from terrain_contracts.events.initiative import InitiativeShipped
from terrain_contracts.events.notification import (
    Channel,
    LoopClosedData,
    NotificationLoopClosed,
    Purpose,
)

from .. import metrics
from ..domain.loops import group_by_reporter
from ..domain.messages import loop_closure_message, render
from ..store import deliveries, state
from ..store import directory as config
from . import Context, fanout, flow_of, notification_id

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")


def reporter_id(email: str) -> str:
    """The reporter's email as a contract Id when it fits one, else a stable stand-in."""
    return (
        email if _ID.match(email) else "reporter-" + hashlib.sha256(email.lower().encode()).hexdigest()[:24]
    )


async def on_shipped(event: InitiativeShipped, uow, ctx: Context) -> None:
    data = event.data
    initiative = data.initiative
    now = ctx.clock()
    grouped = group_by_reporter(
        data.linked_feedback_ids, await config.reporters(uow, data.linked_feedback_ids)
    )
    base = {
        "initiative_id": initiative.initiative_id,
        "owner_team_id": initiative.owner_team_id,
        "created_at": now,
    }
    loops: list[dict[str, Any]] = [
        {
            **base,
            "_id": f"{initiative.initiative_id}:{fid}",
            "feedback_id": fid,
            "reporter_key": key,
            "reporter_email": None,
            "status": "not_closed",
            "reason": reason,
            "notification_id": None,
            "settled_at": now,
        }
        for fid, key, reason in grouped.not_closed
    ]
    closed_now: list[dict[str, Any]] = []
    for key, reporter in grouped.by_reporter.items():
        # One message per reporter and initiative, whatever the number of shipped events or linked items.
        nid = notification_id(Purpose.loop_closure.value, initiative.initiative_id, key)
        message = loop_closure_message(
            reporter.name, initiative.title, data.release_note, initiative.initiative_id, reporter.texts
        )
        await deliveries.add(
            uow,
            fanout.delivery_doc(
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
            ),
        )
        status, reason = await _status_of_message(uow, nid)
        for fid in reporter.feedback_ids:
            loop = {
                **base,
                "_id": f"{initiative.initiative_id}:{fid}",
                "feedback_id": fid,
                "reporter_key": key,
                "reporter_email": reporter.email,
                "status": status,
                "reason": reason,
                "notification_id": nid,
                "settled_at": now if status != "pending" else None,
            }
            loops.append(loop)
            if status == "closed":
                closed_now.append(loop)
    inserted = await state.add_loops(uow, loops)
    for loop in loops:
        if loop["_id"] in inserted and loop["status"] != "pending":
            metrics.LOOPS.labels(loop["status"]).inc()
    emit_closed(
        uow,
        [loop for loop in closed_now if loop["_id"] in inserted],
        now,
        {"source": "notifier", "correlation_id": event.correlation_id, "causation_id": event.id},
    )
    uow.after_commit(ctx.wake)


async def _status_of_message(uow, nid: str) -> tuple[str, str | None]:
    """A reporter already told about this initiative (an earlier shipped event) has new items closed too."""
    held = await deliveries.get(uow, nid)
    if held is None or held["status"] in (deliveries.PENDING, deliveries.SENDING):
        return "pending", None
    if held["status"] == deliveries.DELIVERED:
        return "closed", "reporter already told about this initiative"
    return "not_closed", f"message failed: {held.get('last_error')}"


def emit_closed(uow, loops: list[dict[str, Any]], now: datetime, envelope: dict[str, Any]) -> None:
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
