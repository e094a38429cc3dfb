"""Shipping and dropping, the final moves of a briefing: each once, a retried request answered the same."""

from typing import Any

from terrain_contracts.events.initiative import (
    Briefing,
    InitiativeDropped,
    InitiativeDroppedData,
    InitiativeShipped,
    InitiativeShippedData,
    InitiativeStatus,
)
from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor
from ..store import evidence as evidence_store
from . import event
from .briefings import check_move, load, save
from .context import Context


async def _finish(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    if_match: int | None,
    target: InitiativeStatus,
    note: str,
) -> tuple[dict[str, Any], Briefing | None]:
    """Shared by shipping and dropping: exactly once, and a retried identical request answers the same.

    Returns the briefing to announce, or None for a replay (nothing to emit).
    """
    doc = await load(uow, initiative_id)
    final = doc.get("final")
    if final is not None:
        if (
            final["status"] == target.value
            and final["note"] == note
            and final["requested_version"] == if_match
        ):
            return doc, None
        raise Conflict(
            f"initiative {initiative_id} was already {final['status']} at {final['at'].isoformat()} "
            f"by {final['by']}; only an identical retry of that request is accepted"
        )
    current = await check_move(uow, actor, doc, if_match, target)
    now = context.now()
    fields = {
        "status": target.value,
        "final": {
            "status": target.value,
            "note": note,
            "requested_version": if_match,
            "at": now,
            "by": actor.name,
        },
    }
    return await save(
        uow,
        actor,
        context,
        doc,
        fields,
        target.value,
        {"status": {"from": current.value, "to": target.value}, "note": note},
    )


async def ship(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    if_match: int | None,
    release_note: str,
) -> tuple[dict[str, Any], bool]:
    """Ship: ``initiative.shipped`` carries every linked feedback id; returns (initiative, announced)."""
    doc, briefing = await _finish(
        uow, actor, context, initiative_id, if_match, InitiativeStatus.shipped, release_note
    )
    if briefing is None:
        return doc, False
    uow.emit(
        event(
            InitiativeShipped,
            InitiativeShippedData(
                initiative=briefing,
                release_note=release_note,
                linked_feedback_ids=await evidence_store.linked_feedback_ids(uow, initiative_id),
                shipped_at=doc["final"]["at"],
                shipped_by=actor.name,
            ),
        )
    )
    return doc, True


async def drop(
    uow: UnitOfWork, actor: Actor, context: Context, initiative_id: str, if_match: int | None, reason: str
) -> tuple[dict[str, Any], bool]:
    doc, briefing = await _finish(
        uow, actor, context, initiative_id, if_match, InitiativeStatus.dropped, reason
    )
    if briefing is None:
        return doc, False
    uow.emit(
        event(
            InitiativeDropped,
            InitiativeDroppedData(initiative=briefing, reason=reason, dropped_by=actor.name),
        )
    )
    return doc, True
