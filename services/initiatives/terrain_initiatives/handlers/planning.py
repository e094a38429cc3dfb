"""The quarterly planning cycle and the board of a quarter."""

from typing import Any

from terrain_contracts.events.initiative import (
    CyclePhase,
    CyclePhaseChangedData,
    InitiativeCyclePhaseChanged,
    InitiativeStatus,
)
from terrain_contracts.events.team import TeamState
from terrain_kit.errors import Conflict, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain import board as board_rules
from ..domain.access import Actor
from ..domain.announcements import DUE
from ..domain.lifecycle import Phase, check_phase_move
from ..store import dependencies as dependency_store
from ..store import initiatives as initiative_store
from ..store import planning as store
from ..store import teams as team_store
from ..store.initiatives import briefing_of
from . import event
from .context import Context
from .dependencies import view as dependency_view


async def open_cycle(uow: UnitOfWork, actor: Actor, context: Context, quarter: str) -> dict[str, Any]:
    if await store.get_cycle(uow, quarter) is not None:
        raise Conflict(f"quarter {quarter} already has a planning cycle")
    now, by = context.now(), actor.name
    doc = {
        "_id": quarter,
        "quarter": quarter,
        "phase": Phase.drafting.value,
        "opened_at": now,
        "opened_by": by,
        "phases": [{"phase": Phase.drafting.value, "at": now, "by": by}],
    }
    await store.insert_cycle(uow, doc)
    await _announce(uow, quarter, None, Phase.drafting, by)
    return doc


async def load_cycle(uow: UnitOfWork, quarter: str) -> dict[str, Any]:
    doc = await store.get_cycle(uow, quarter)
    if doc is None:
        raise NotFound(f"quarter {quarter} has no planning cycle")
    return doc


async def move_cycle(
    uow: UnitOfWork, actor: Actor, context: Context, quarter: str, target: Phase
) -> dict[str, Any]:
    doc = await load_cycle(uow, quarter)
    current = Phase(doc["phase"])
    if current is target:
        return doc  # a retried move answers the same
    check_phase_move(current, target)
    entry = {"phase": target.value, "at": context.now(), "by": actor.name}
    if not await store.move_cycle(uow, quarter, current.value, target.value, entry):
        raise Conflict(f"the planning cycle of {quarter} changed meanwhile: reload it")
    await _announce(uow, quarter, current, target, actor.name)
    return {**doc, "phase": target.value, "phases": [*doc["phases"], entry]}


async def _announce(uow: UnitOfWork, quarter: str, current: Phase | None, target: Phase, by: str) -> None:
    """Every team hears of the new phase, with what it asks of them and the requests they must answer."""
    data = CyclePhaseChangedData(
        quarter=quarter,
        from_phase=CyclePhase(current.value) if current else None,
        to_phase=CyclePhase(target.value),
        changed_by=by,
        due=DUE[target],
        open_requests_by_team=await dependency_store.open_counts_by_team(uow),
    )
    uow.emit(event(InitiativeCyclePhaseChanged, data))


async def board(uow: UnitOfWork, context: Context, quarter: str, hide_drafts: bool = False) -> dict[str, Any]:
    """Every initiative of the quarter per owning team (best first), its dependencies and their state."""
    cycle = await store.get_cycle(uow, quarter)
    initiatives = await initiative_store.in_quarter(uow, quarter)
    if hide_drafts:
        initiatives = [doc for doc in initiatives if doc["status"] != InitiativeStatus.draft.value]
    ids = [doc["_id"] for doc in initiatives]
    today = context.today()
    dependencies = [dependency_view(d, today) for d in await dependency_store.of_initiatives(uow, ids)]
    grouped = board_rules.group(dependencies, ids)
    team_ids = sorted({doc["owner_team_id"] for doc in initiatives} | set(grouped.asked_of_team))
    teams = await team_store.states(uow, team_ids)
    return {
        "quarter": quarter,
        "phase": cycle["phase"] if cycle else None,
        "teams": [_lane(team_id, teams.get(team_id), initiatives, grouped) for team_id in team_ids],
        **board_rules.counts(initiatives, grouped),
    }


def _lane(
    team_id: str, team: TeamState | None, initiatives: list[dict[str, Any]], grouped: board_rules.Grouped
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": team.name if team else None,
        "kind": team.kind if team else None,
        "parent_team_id": team.parent_team_id if team else None,
        "initiatives": [
            {
                "initiative": briefing_of(doc),
                "priority": doc["priority"],
                "evidence": doc["evidence"],
                "dependencies": grouped.outgoing.get(doc["_id"], []),
                "depended_on_by": grouped.incoming.get(doc["_id"], []),
            }
            for doc in initiatives
            if doc["owner_team_id"] == team_id
        ],
        "requests_to_team": grouped.asked_of_team.get(team_id, []),
    }
