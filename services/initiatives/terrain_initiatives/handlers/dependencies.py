"""Dependency requests: asked by the initiative's team, answered by the team depended on."""

import secrets
from datetime import date, datetime
from typing import Any

from terrain_contracts.events.dependency import (
    DependencyAnswer,
    DependencyAnsweredData,
    DependencyRequestedData,
    DependencyWithdrawnData,
    InitiativeDependencyAnswered,
    InitiativeDependencyRequested,
    InitiativeDependencyWithdrawn,
)
from terrain_kit.errors import Conflict, Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor, require_team_pm
from ..domain.dependencies import (
    DependencyState,
    Node,
    check_request,
    describe_cycle,
    find_cycle,
    is_overdue,
)
from ..domain.lifecycle import FINAL
from ..store import dependencies as store
from ..store import initiatives as initiative_store
from ..store import teams as team_store
from . import event
from .briefings import load, open_for, owner_team
from .context import Context

# A new request: open, not answered, not overdue yet.
UNANSWERED = {
    "state": DependencyState.open.value,
    "note": None,
    "answered_by": None,
    "answered_at": None,
    "overdue_since": None,
    "escalated_at": None,
}


def view(doc: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        **doc,
        "dependency_id": doc["_id"],
        "overdue": is_overdue(DependencyState(doc["state"]), doc["answer_by"], today),
    }


async def request(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    on_team_id: str,
    on_initiative_id: str | None,
    description: str,
    answer_by: date,
) -> dict[str, Any]:
    """Ask another team (or one of its initiatives); a cycle or the same request twice is refused."""
    doc = await open_for(uow, actor, initiative_id, "request dependencies for its initiatives")
    check_request(doc["owner_team_id"], on_team_id, answer_by, context.today())
    await _check_asked(uow, initiative_id, on_team_id, on_initiative_id)
    now = context.now()
    dependency = {
        "_id": f"dep-{secrets.token_hex(6)}",
        "initiative_id": initiative_id,
        "requesting_team_id": doc["owner_team_id"],
        "on_team_id": on_team_id,
        "on_initiative_id": on_initiative_id,
        "description": description,
        "answer_by": answer_by,
        "requested_by": actor.name,
        "requested_at": now,
        **UNANSWERED,
    }
    await store.insert(uow, dependency)
    await initiative_store.touch(uow, initiative_id, now)
    await team_store.touch(uow, on_team_id, now)
    await _requested(uow, actor, doc, dependency)
    return dependency


async def _check_asked(
    uow: UnitOfWork, initiative_id: str, on_team_id: str, on_initiative_id: str | None
) -> None:
    """The team (and initiative) asked exist, no cycle would close, and nothing asks the same already."""
    if await team_store.get_state(uow, on_team_id) is None:
        raise Invalid("on_team_id", f"no team {on_team_id}")
    if on_initiative_id is not None:
        await _check_target(uow, initiative_id, on_team_id, on_initiative_id)
    if same := await store.similar(uow, initiative_id, on_team_id, on_initiative_id):
        raise Conflict(f"dependency {same['_id']} already asks this of team {on_team_id} ({same['state']})")


# What initiative.dependency_requested repeats of the stored request.
ANNOUNCED = (
    "initiative_id",
    "requesting_team_id",
    "on_team_id",
    "on_initiative_id",
    "description",
    "answer_by",
)


async def _requested(
    uow: UnitOfWork, actor: Actor, initiative: dict[str, Any], dependency: dict[str, Any]
) -> None:
    """The request in the initiative's history, and announced."""
    recorded = {name: dependency[name] for name in ("on_team_id", "on_initiative_id")}
    await initiative_store.record(
        uow,
        initiative["_id"],
        initiative["version"],
        dependency["requested_at"],
        actor.name,
        "dependency_requested",
        {"dependency_id": dependency["_id"], **recorded},
    )
    data = DependencyRequestedData(
        dependency_id=dependency["_id"],
        requested_by=actor.name,
        initiative_title=initiative["title"],
        **{name: dependency[name] for name in ANNOUNCED},
    )
    uow.emit(event(InitiativeDependencyRequested, data))


async def _check_target(uow: UnitOfWork, initiative_id: str, on_team_id: str, on_initiative_id: str) -> None:
    target = await initiative_store.get(uow, on_initiative_id)
    if target is None:
        raise Invalid("on_initiative_id", f"no initiative {on_initiative_id}")
    if target["owner_team_id"] != on_team_id:
        raise Invalid(
            "on_initiative_id",
            f"initiative {on_initiative_id} belongs to team {target['owner_team_id']}, not {on_team_id}",
        )
    if target["status"] in FINAL:
        raise Conflict(
            f"initiative {on_initiative_id} is {target['status']}: nothing can depend on it any more"
        )
    cycle = find_cycle(await store.binding_edges(uow), initiative_id, on_initiative_id)
    if cycle is not None:
        docs = await initiative_store.by_ids(uow, list(set(cycle)))
        nodes = {i: Node(i, docs[i]["title"], docs[i]["owner_team_id"]) for i in cycle}
        raise Conflict(f"dependency refused: it would close the cycle {describe_cycle(cycle, nodes)}")


async def _load(uow: UnitOfWork, dependency_id: str) -> dict[str, Any]:
    doc = await store.get(uow, dependency_id)
    if doc is None:
        raise NotFound(f"no dependency {dependency_id}")
    return doc


async def _requester_active(uow: UnitOfWork, dependency: dict[str, Any]) -> dict[str, Any]:
    initiative = await load(uow, dependency["initiative_id"])
    if initiative["status"] in FINAL:
        raise Conflict(f"the requesting initiative {initiative['_id']} is {initiative['status']}")
    return initiative


async def _set_state(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    dependency: dict[str, Any],
    initiative: dict[str, Any],
    fields: dict[str, Any],
    action: str,
) -> None:
    """Store the dependency's new state (if nobody changed it meanwhile) and record it in the history."""
    if not await store.update(uow, dependency["_id"], dependency["state"], fields):
        raise Conflict(f"dependency {dependency['_id']} changed meanwhile: reload it")
    await initiative_store.touch(uow, initiative["_id"], now)
    change = {"from": dependency["state"], "to": fields["state"]}
    await initiative_store.record(
        uow,
        initiative["_id"],
        initiative["version"],
        now,
        actor.name,
        action,
        {"dependency_id": dependency["_id"], "state": change},
    )


async def answer(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    dependency_id: str,
    answer: DependencyAnswer,
    note: str | None,
) -> tuple[dict[str, Any], bool]:
    """Accept or decline (and change one's mind later); the same answer again emits nothing."""
    dependency = await _load(uow, dependency_id)
    state = DependencyState(dependency["state"])
    if state is DependencyState.withdrawn:
        raise Conflict(f"dependency {dependency_id} was withdrawn by the requesting team")
    team = await team_store.get_state(uow, dependency["on_team_id"])
    if team is None:
        raise Conflict(f"team {dependency['on_team_id']} no longer exists")
    require_team_pm(actor, team, "answer dependency requests made to it")
    if state.value == answer.value:
        return dependency, False
    initiative = await _requester_active(uow, dependency)
    now = context.now()
    fields = {"state": answer.value, "note": note, "answered_by": actor.name, "answered_at": now}
    await _set_state(uow, actor, now, dependency, initiative, fields, "dependency_answered")
    uow.emit(
        event(
            InitiativeDependencyAnswered,
            DependencyAnsweredData(
                dependency_id=dependency_id,
                initiative_id=dependency["initiative_id"],
                on_team_id=dependency["on_team_id"],
                answer=answer,
                note=note,
                answered_by=actor.name,
                requesting_team_id=dependency["requesting_team_id"],
                requested_by=dependency["requested_by"],
                initiative_title=initiative["title"],
            ),
        )
    )
    return {**dependency, **fields}, True


async def withdraw(
    uow: UnitOfWork, actor: Actor, context: Context, dependency_id: str, reason: str
) -> tuple[dict[str, Any], bool]:
    dependency = await _load(uow, dependency_id)
    state = DependencyState(dependency["state"])
    initiative = await load(uow, dependency["initiative_id"])
    require_team_pm(actor, await owner_team(uow, initiative), "withdraw its dependency requests")
    if state is DependencyState.withdrawn:
        return dependency, False
    now = context.now()
    fields = {
        "state": DependencyState.withdrawn.value,
        "note": reason,
        "withdrawn_by": actor.name,
        "withdrawn_at": now,
    }
    await _set_state(uow, actor, now, dependency, initiative, fields, "dependency_withdrawn")
    uow.emit(
        event(
            InitiativeDependencyWithdrawn,
            DependencyWithdrawnData(
                dependency_id=dependency_id,
                initiative_id=dependency["initiative_id"],
                on_team_id=dependency["on_team_id"],
                reason=reason,
                withdrawn_by=actor.name,
            ),
        )
    )
    return {**dependency, **fields}, True
