"""Teams, members and product areas: each change stores the next state and emits one ``team.*`` event."""

from collections.abc import Callable
from typing import Any

from terrain_contracts.events.team import (
    Member,
    ProductArea,
    TeamAreaAssigned,
    TeamAreaReleased,
    TeamChangeData,
    TeamCreated,
    TeamDeleted,
    TeamDeletedData,
    TeamKind,
    TeamMemberJoined,
    TeamMemberLeft,
    TeamMemberUpdated,
    TeamState,
    TeamUpdated,
)
from terrain_kit.errors import Conflict, Invalid, NotFound, StaleVersion
from terrain_kit.uow import UnitOfWork

from ..domain import teams as rules
from ..domain.access import Actor
from ..store import dependencies as dependency_store
from ..store import initiatives as initiative_store
from ..store import teams as store
from . import event
from .context import Context


async def create(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    team_id: str,
    name: str,
    kind: TeamKind,
    parent_team_id: str | None,
) -> TeamState:
    if await store.get(uow, team_id, include_deleted=True) is not None:
        raise Conflict(f"team id {team_id} is taken (team ids are never reused, even after deletion)")
    parent = await store.get_state(uow, parent_team_id) if parent_team_id else None
    rules.check_parent(kind, parent, parent_team_id)
    state = TeamState(team_id=team_id, name=name, kind=kind, parent_team_id=parent_team_id, version=1)
    await store.insert(uow, state, context.now(), actor.name)
    uow.emit(event(TeamCreated, TeamChangeData(team=state, changed_by=actor.name)))
    return state


async def load(uow: UnitOfWork, team_id: str) -> TeamState:
    state = await store.get_state(uow, team_id)
    if state is None:
        raise NotFound(f"no team {team_id}")
    return state


async def _change(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    team_id: str,
    if_match: int | None,
    compute: Callable[[TeamState], TeamState | None],
    kind: type,
    **concerned: Any,
) -> TeamState:
    """Apply one change; If-Match is optional on teams, but a stale one is refused."""
    state = await load(uow, team_id)
    if if_match is not None and if_match != state.version:
        raise StaleVersion(if_match, state.version)
    changed = compute(state)
    if changed is None:
        return state  # nothing to change: no new version, no event
    if not await store.save(uow, changed, context.now()):
        raise StaleVersion(state.version, state.version + 1)
    uow.emit(event(kind, TeamChangeData(team=changed, changed_by=actor.name, **concerned)))
    return changed


async def update(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    team_id: str,
    if_match: int | None,
    name: str | None,
    parent_team_id: str | None,
) -> TeamState:
    if parent_team_id is not None:
        current = await load(uow, team_id)
        if parent_team_id == team_id:
            raise Invalid("parent_team_id", "a team cannot be its own parent")
        rules.check_parent(current.kind, await store.get_state(uow, parent_team_id), parent_team_id)
    return await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.renamed(state, name, parent_team_id),
        TeamUpdated,
    )


async def delete(uow: UnitOfWork, actor: Actor, context: Context, team_id: str, if_match: int | None) -> None:
    state = await load(uow, team_id)
    if if_match is not None and if_match != state.version:
        raise StaleVersion(if_match, state.version)
    blockers = []
    if children := await store.children(uow, team_id):
        blockers.append(f"its squads {', '.join(children)} still belong to it")
    if active := await initiative_store.active_count(uow, team_id):
        blockers.append(f"it owns {active} initiative(s) not shipped or dropped")
    if state.product_areas:
        blockers.append(
            f"it owns product areas {', '.join(a.area for a in state.product_areas)}: "
            "release or transfer them"
        )
    if open_requests := await dependency_store.open_on_team(uow, team_id):
        blockers.append(f"dependency requests {', '.join(open_requests)} on it are unanswered")
    if blockers:
        raise Conflict(f"team {team_id} cannot be deleted: " + "; ".join(blockers))
    version = state.version + 1
    if not await store.mark_deleted(uow, team_id, version, context.now()):
        raise StaleVersion(state.version, version)
    uow.emit(event(TeamDeleted, TeamDeletedData(team_id=team_id, version=version, changed_by=actor.name)))


async def add_member(
    uow: UnitOfWork, actor: Actor, context: Context, team_id: str, if_match: int | None, member: Member
) -> TeamState:
    return await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.with_member(state, member),
        TeamMemberJoined,
        member_id=member.member_id,
    )


async def update_member(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    team_id: str,
    if_match: int | None,
    member_id: str,
    changes: dict[str, Any],
) -> TeamState:
    return await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.with_member_changed(state, member_id, changes),
        TeamMemberUpdated,
        member_id=member_id,
    )


async def remove_member(
    uow: UnitOfWork, actor: Actor, context: Context, team_id: str, if_match: int | None, member_id: str
) -> TeamState:
    return await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.without_member(state, member_id),
        TeamMemberLeft,
        member_id=member_id,
    )


async def assign_area(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    team_id: str,
    if_match: int | None,
    area: ProductArea,
    transfer: bool,
) -> TeamState:
    await load(uow, team_id)
    owner = await store.area_owner(uow, area.area)
    if owner is not None and owner != team_id:
        if not transfer:
            raise Conflict(
                f"product area {area.area} is owned by team {owner}: "
                "release it first, or assign with transfer=true"
            )
        # The transfer is two changes of two teams, each its own event, committed together.
        await _change(
            uow,
            actor,
            context,
            owner,
            None,
            lambda state: rules.without_area(state, area.area),
            TeamAreaReleased,
            area=area.area,
        )
    changed = await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.with_area(state, area),
        TeamAreaAssigned,
        area=area.area,
    )
    await store.set_area_owner(uow, area.area, team_id)
    return changed


async def release_area(
    uow: UnitOfWork, actor: Actor, context: Context, team_id: str, if_match: int | None, area: str
) -> TeamState:
    changed = await _change(
        uow,
        actor,
        context,
        team_id,
        if_match,
        lambda state: rules.without_area(state, area),
        TeamAreaReleased,
        area=area,
    )
    await store.release_area(uow, area)
    return changed
