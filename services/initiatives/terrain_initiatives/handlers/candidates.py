"""What a ballot's candidates are: initiatives of the quarter, or Product Ops' own projects; and, after
the vote, who owns each ranked one."""

import secrets
from dataclasses import dataclass
from typing import Any

from terrain_contracts.events.ballot import (
    BallotCandidateAssigned,
    BallotCandidateAssignedData,
    CandidateKind,
)
from terrain_kit.errors import Conflict, Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor
from ..store import initiatives as initiative_store
from ..store import planning as store
from ..store import teams as team_store
from . import event
from .context import Context


@dataclass(frozen=True)
class Candidate:
    candidate_id: str
    kind: CandidateKind
    title: str | None
    owner_team_id: str | None


async def new_projects(uow: UnitOfWork, projects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Product Ops' projects put to the vote, each with an id of its own (prj-...)."""
    found: dict[str, dict[str, Any]] = {}
    for n, project in enumerate(projects):
        owner = project.get("owner_team_id")
        if owner is not None and await team_store.get_state(uow, owner) is None:
            raise Invalid(f"projects.{n}.owner_team_id", f"no team {owner}")
        found[f"prj-{secrets.token_hex(6)}"] = {"title": project["title"], "owner_team_id": owner}
    return found


async def of_ballot(uow: UnitOfWork, ballot: dict[str, Any]) -> dict[str, Candidate]:
    """Every candidate of the ballot, named, in the ballot's order."""
    docs = await initiative_store.by_ids(uow, ballot["candidates"])
    projects = ballot.get("projects") or {}
    described: dict[str, Candidate] = {}
    for cid in ballot["candidates"]:
        if cid in projects:
            project = projects[cid]
            described[cid] = Candidate(cid, CandidateKind.project, project["title"], project["owner_team_id"])
        else:
            doc = docs.get(cid)
            title, owner = (doc["title"], doc["owner_team_id"]) if doc else (None, None)
            described[cid] = Candidate(cid, CandidateKind.initiative, title, owner)
    return described


async def assign(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    ballot_id: str,
    candidate_id: str,
    owner_member_id: str,
    owner_team_id: str | None,
) -> tuple[dict[str, Any], bool]:
    """Give a ranked candidate of a closed ballot its owner; the same owner again announces nothing."""
    ballot = await store.get_ballot(uow, ballot_id)
    if ballot is None:
        raise NotFound(f"no ballot {ballot_id}")
    if candidate_id not in ballot["candidates"]:
        raise NotFound(f"{candidate_id} is not a candidate of ballot {ballot_id}")
    if ballot["state"] != "closed":
        raise Conflict(f"ballot {ballot_id} is still open: candidates are assigned after the vote")
    await _check_owner(uow, owner_member_id, owner_team_id)
    wanted = {"owner_member_id": owner_member_id, "owner_team_id": owner_team_id}
    held = (ballot.get("assignments") or {}).get(candidate_id)
    if held is not None and {k: held[k] for k in wanted} == wanted:
        return ballot, False
    assignment = {**wanted, "assigned_by": actor.name, "assigned_at": context.now()}
    await store.assign(uow, ballot_id, candidate_id, assignment)
    candidate = (await of_ballot(uow, ballot))[candidate_id]
    ranks = {r["initiative_id"]: r["rank"] for r in (ballot.get("result") or {}).get("ranking", [])}
    data = BallotCandidateAssignedData(
        ballot_id=ballot_id,
        quarter=ballot["quarter"],
        candidate_id=candidate_id,
        kind=candidate.kind,
        title=candidate.title,
        rank=ranks.get(candidate_id),
        owner_member_id=owner_member_id,
        owner_team_id=owner_team_id,
        assigned_by=actor.name,
    )
    uow.emit(event(BallotCandidateAssigned, data))
    assignments = {**(ballot.get("assignments") or {}), candidate_id: assignment}
    return {**ballot, "assignments": assignments}, True


async def _check_owner(uow: UnitOfWork, owner_member_id: str, owner_team_id: str | None) -> None:
    teams = await team_store.states(uow)
    if owner_team_id is not None and owner_team_id not in teams:
        raise Invalid("owner_team_id", f"no team {owner_team_id}")
    if not any(m.member_id == owner_member_id for t in teams.values() for m in t.members):
        raise Invalid("owner_member_id", f"no member {owner_member_id} in any team")
