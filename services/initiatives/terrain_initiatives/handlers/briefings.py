"""Briefings: creation, edits, status moves, shipping and dropping, each kept in the history."""

import secrets
from typing import Any

from terrain_contracts.events.initiative import (
    Briefing,
    InitiativeChangeData,
    InitiativeCreated,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
    InitiativeUpdated,
)
from terrain_contracts.events.team import TeamState
from terrain_kit.errors import Conflict, Invalid, NotFound, StaleVersion, check_version
from terrain_kit.uow import UnitOfWork

from ..domain import lifecycle
from ..domain.access import Actor, require_planning, require_team_pm
from ..domain.briefings import changes
from ..domain.dependencies import Blocking, DependencyState, check_alignable
from ..domain.evidence import Summary, priority
from ..domain.measurements import check_metric
from ..store import dependencies as dependency_store
from ..store import initiatives as store
from ..store import planning as planning_store
from ..store import teams as team_store
from . import event
from .context import Context


async def load(uow: UnitOfWork, initiative_id: str) -> dict[str, Any]:
    doc = await store.get(uow, initiative_id)
    if doc is None:
        raise NotFound(f"no initiative {initiative_id}")
    return doc


async def owner_team(uow: UnitOfWork, doc: dict[str, Any]) -> TeamState:
    team = await team_store.get_state(uow, doc["owner_team_id"])
    if team is None:
        raise Conflict(f"the owner team {doc['owner_team_id']} of initiative {doc['_id']} no longer exists")
    return team


async def _team(uow: UnitOfWork, team_id: str) -> TeamState:
    team = await team_store.get_state(uow, team_id)
    if team is None:
        raise Invalid("owner_team_id", f"no team {team_id}")
    return team


async def phase_of(uow: UnitOfWork, quarter: str) -> lifecycle.Phase | None:
    cycle = await planning_store.get_cycle(uow, quarter)
    return lifecycle.Phase(cycle["phase"]) if cycle else None


async def create(uow: UnitOfWork, actor: Actor, context: Context, fields: dict[str, Any]) -> dict[str, Any]:
    """A new draft briefing; ``fields`` are the briefing's JSON-ready values."""
    check_metric(fields.get("success_metric"))
    require_team_pm(actor, await _team(uow, fields["owner_team_id"]), "write its briefings")
    lifecycle.check_accepts_briefings(fields["quarter"], await phase_of(uow, fields["quarter"]))
    initiative_id = f"ini-{secrets.token_hex(6)}"
    briefing = Briefing.model_validate(
        {**fields, "initiative_id": initiative_id, "status": InitiativeStatus.draft, "version": 1}
    )
    now = context.now()
    evidence = Summary().as_document()
    doc = {
        "_id": initiative_id,
        **briefing.model_dump(mode="json"),
        "created_at": now,
        "created_by": actor.name,
        "updated_at": now,
        "updated_by": actor.name,
        "proposed_at": None,
        "evidence": evidence,
        "vote_average": None,
        "priority": priority(Summary(), None, briefing.size.value, context.weights),
    }
    await store.insert(uow, doc)
    await team_store.touch(uow, briefing.owner_team_id, now)
    await planning_store.touch_cycle(uow, briefing.quarter, now)
    created = {
        name: {"from": None, "to": value}
        for name, value in briefing.model_dump(mode="json").items()
        if name not in ("initiative_id", "version") and value not in (None, [])
    }
    await store.record(uow, initiative_id, 1, now, actor.name, "created", created)
    uow.emit(event(InitiativeCreated, InitiativeChangeData(initiative=briefing, changed_by=actor.name)))
    return doc


async def save(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    doc: dict[str, Any],
    fields: dict[str, Any],
    action: str,
    recorded: dict[str, Any],
) -> tuple[dict[str, Any], Briefing]:
    """Store the next version with ``fields`` changed and record it in the history."""
    now = context.now()
    version = doc["version"] + 1
    updated = {**doc, **fields, "version": version, "updated_at": now, "updated_by": actor.name}
    briefing = store.briefing_of(updated)
    if not await store.save(
        uow, doc["_id"], version, {**fields, "updated_at": now, "updated_by": actor.name}
    ):
        raise StaleVersion(doc["version"], version)
    await store.record(uow, doc["_id"], version, now, actor.name, action, recorded)
    return updated, briefing


async def edit(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    if_match: int | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """Change briefing fields; an edit that changes nothing answers the current version and emits nothing."""
    doc = await load(uow, initiative_id)
    check_version(doc["version"], if_match)
    lifecycle.check_editable(InitiativeStatus(doc["status"]))
    require_team_pm(actor, await owner_team(uow, doc), "edit its briefings")
    check_metric(fields.get("success_metric"))
    changed = changes(doc, fields)
    if not changed:
        return doc
    if "owner_team_id" in changed:
        require_team_pm(actor, await _team(uow, fields["owner_team_id"]), "move briefings to it")
    if "quarter" in changed:
        lifecycle.check_accepts_briefings(fields["quarter"], await phase_of(uow, fields["quarter"]))
    new_values = {name: change["to"] for name, change in changed.items()}
    if "size" in changed:
        new_values["priority"] = priority(
            Summary(**doc["evidence"]), doc.get("vote_average"), new_values["size"], context.weights
        )
    updated, briefing = await save(uow, actor, context, doc, new_values, "edited", changed)
    if "owner_team_id" in changed:
        await team_store.touch(uow, briefing.owner_team_id, updated["updated_at"])
    if "quarter" in changed:
        await planning_store.touch_cycle(uow, briefing.quarter, updated["updated_at"])
    uow.emit(
        event(
            InitiativeUpdated,
            InitiativeChangeData(initiative=briefing, changed_by=actor.name, changed_fields=sorted(changed)),
        )
    )
    return updated


async def check_move(
    uow: UnitOfWork, actor: Actor, doc: dict[str, Any], if_match: int | None, target: InitiativeStatus
) -> InitiativeStatus:
    """The checks every status change makes; returns the current status."""
    check_version(doc["version"], if_match)
    current = InitiativeStatus(doc["status"])
    lifecycle.check_move(current, target)
    require_team_pm(actor, await owner_team(uow, doc), f"move its initiatives to {target.value}")
    return current


async def open_for(uow: UnitOfWork, actor: Actor, initiative_id: str, doing: str) -> dict[str, Any]:
    """An initiative still open to changes of its evidence or dependencies, and the actor may make them."""
    doc = await load(uow, initiative_id)
    if doc["status"] in lifecycle.FINAL:
        raise Conflict(
            f"initiative {initiative_id} is {doc['status']}: its evidence and dependencies are final"
        )
    require_team_pm(actor, await owner_team(uow, doc), doing)
    return doc


async def move(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    if_match: int | None,
    target: InitiativeStatus,
) -> dict[str, Any]:
    """A lifecycle move other than shipping or dropping (those carry a release note or a reason)."""
    doc = await load(uow, initiative_id)
    current = await check_move(uow, actor, doc, if_match, target)
    if target is InitiativeStatus.committed:
        require_planning(actor, "commit initiatives (the validated set of the quarter)")
    lifecycle.check_phase_allows(doc["quarter"], await phase_of(uow, doc["quarter"]), target)
    if target in lifecycle.PHASES_FOR:
        await planning_store.touch_cycle(uow, doc["quarter"], context.now())
    if target is InitiativeStatus.aligned:
        check_alignable(
            Blocking(
                d["_id"],
                d["on_team_id"],
                d.get("on_initiative_id"),
                DependencyState(d["state"]),
                d["answer_by"],
            )
            for d in await dependency_store.of_initiative(uow, initiative_id)
        )
    fields: dict[str, Any] = {"status": target.value}
    if target is InitiativeStatus.proposed and doc.get("proposed_at") is None:
        fields["proposed_at"] = context.now()  # the first proposal: the ballot's tie-break
    updated, briefing = await save(
        uow,
        actor,
        context,
        doc,
        fields,
        "status_changed",
        {"status": {"from": current.value, "to": target.value}},
    )
    uow.emit(
        event(
            InitiativeStatusChanged,
            InitiativeStatusChangedData(
                initiative=briefing, from_status=current, to_status=target, changed_by=actor.name
            ),
        )
    )
    return updated
