"""The directors' ballot over a quarter's candidates: votes in a window, quorum, ranking, audit."""

import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any

from terrain_contracts import Role
from terrain_contracts.events.ballot import BallotClosed, BallotClosedData, CastVote, RankedCandidate
from terrain_kit.errors import Conflict, Forbidden, Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain import ballots as rules
from ..domain.access import Actor
from ..store import initiatives as initiative_store
from ..store import planning as store
from . import event
from .announcements import ballot_opened
from .candidates import Candidate, new_projects, of_ballot
from .context import Context
from .evidence import score

CANDIDATE_STATUSES = ("proposed", "aligned", "committed")


async def open_ballot(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    quarter: str,
    candidate_ids: list[str],
    opens_at: datetime | None,
    closes_at: datetime,
    quorum: int | None,
    projects: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Initiatives of the quarter (proposed, aligned or committed) and Product Ops' own ``projects``
    (``{"title", "owner_team_id"?}``) as candidates."""
    now = context.now()
    opens_at = opens_at or now
    if closes_at <= opens_at:
        raise Invalid("closes_at", "the window must close after it opens")
    if closes_at <= now:
        raise Invalid("closes_at", "the window must close in the future")
    if not candidate_ids and not projects:
        raise Invalid("candidate_ids", "a ballot needs candidates: initiatives, projects, or both")
    docs = await initiative_store.by_ids(uow, candidate_ids)
    for candidate in candidate_ids:
        doc = docs.get(candidate)
        if doc is None:
            raise Invalid("candidate_ids", f"no initiative {candidate}")
        if doc["quarter"] != quarter:
            raise Invalid(
                "candidate_ids", f"initiative {candidate} is planned for {doc['quarter']}, not {quarter}"
            )
        if doc["status"] not in CANDIDATE_STATUSES:
            raise Invalid(
                "candidate_ids",
                f"initiative {candidate} is {doc['status']}: candidates are {', '.join(CANDIDATE_STATUSES)}",
            )
    own = await new_projects(uow, projects or [])
    ballot = {
        "_id": f"bal-{secrets.token_hex(6)}",
        "quarter": quarter,
        "candidates": [*candidate_ids, *own],
        "projects": own,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "quorum": context.ballot_quorum if quorum is None else quorum,
        "state": "open",
        "created_by": actor.name,
        "created_at": now,
        "result": None,
        "announced_at": now if opens_at <= now else None,  # else the maintenance job announces it
        "reminded_at": None,
    }
    await store.insert_ballot(uow, ballot)
    if opens_at <= now:
        await ballot_opened(uow, ballot)
    return ballot


async def load(uow: UnitOfWork, ballot_id: str) -> dict[str, Any]:
    doc = await store.get_ballot(uow, ballot_id)
    if doc is None:
        raise NotFound(f"no ballot {ballot_id}")
    return doc


async def cast(
    uow: UnitOfWork, actor: Actor, context: Context, ballot_id: str, initiative_id: str, score_given: int
) -> dict[str, Any]:
    """A director scores a candidate 1-3; voting again on it replaces their score, until close."""
    if actor.role is not Role.director:
        raise Forbidden(f"only directors vote; this key's role is {actor.role.value}")
    ballot = await load(uow, ballot_id)
    now = context.now()
    rules.check_window(now, ballot["opens_at"], ballot["closes_at"], ballot["state"] == "closed")
    if initiative_id not in ballot["candidates"]:
        raise NotFound(f"initiative {initiative_id} is not a candidate of ballot {ballot_id}")
    if not await store.touch_open_ballot(uow, ballot_id, now):
        raise Conflict("the ballot is closed: votes are no longer accepted")
    previous = await store.get_vote(uow, ballot_id, actor.name, initiative_id)
    vote = {
        "_id": store.vote_id(ballot_id, actor.name, initiative_id),
        "ballot_id": ballot_id,
        "director_id": actor.name,
        "initiative_id": initiative_id,
        "score": score_given,
        "cast_at": now,
        "first_cast_at": previous["first_cast_at"] if previous else now,
        "changes": [*(previous["changes"] if previous else []), {"score": score_given, "at": now}],
    }
    await store.put_vote(uow, vote)
    return vote


def _votes(docs: list[dict[str, Any]]) -> list[rules.Vote]:
    return [rules.Vote(d["director_id"], d["initiative_id"], d["score"], d["cast_at"]) for d in docs]


async def close(
    uow: UnitOfWork, actor: Actor, context: Context, ballot_id: str
) -> tuple[dict[str, Any], bool]:
    """Close, rank and publish ``ballot.closed``; closing a closed ballot answers its result again."""
    ballot = await load(uow, ballot_id)
    if ballot["state"] == "closed":
        return ballot, False
    now = context.now()
    rules.check_closable(ballot_id, now, ballot["opens_at"])
    votes = _votes(await store.votes(uow, ballot_id))
    candidates = await initiative_store.by_ids(uow, ballot["candidates"])
    # A project counts as proposed when its ballot was opened.
    proposed_at = {i: doc.get("proposed_at") for i, doc in candidates.items()}
    proposed_at |= {project: ballot["created_at"] for project in ballot.get("projects") or {}}
    tally = rules.tally(ballot["candidates"], votes, proposed_at, ballot["quorum"])
    result = {
        "closed_at": now,
        "closed_by": actor.name,
        "voters": tally.voters,
        "quorum_met": tally.quorum_met,
        "tie_break": rules.TIE_BREAK,
        "ranking": [ranked.model_dump() for ranked in tally.ranking],
    }
    if not await store.close_ballot(uow, ballot_id, {"result": result}):
        raise Conflict(f"ballot {ballot_id} changed meanwhile: reload it")
    if tally.quorum_met:  # an inquorate vote does not move priorities
        await _score_votes(uow, context, ballot_id, tally.ranking, candidates)
    named = await of_ballot(uow, ballot)
    uow.emit(event(BallotClosed, _announcement(ballot, result, tally, votes, named)))
    return {**ballot, "state": "closed", "result": result}, True


async def _score_votes(
    uow: UnitOfWork,
    context: Context,
    ballot_id: str,
    ranking: list[rules.Ranked],
    candidates: dict[str, dict[str, Any]],
) -> None:
    """A quorate ballot's averages feed the candidates' priority scores."""
    for ranked in ranking:
        doc = candidates.get(ranked.initiative_id)
        if doc is None:
            continue
        average = ranked.vote_average
        fields = {
            "vote_average": average,
            "voted_in": ballot_id,
            "priority": score(doc["evidence"], average, doc["size"], context.weights),
        }
        await initiative_store.set_derived(uow, ranked.initiative_id, fields)


def _announcement(
    ballot: dict[str, Any],
    result: dict[str, Any],
    tally: rules.Tally,
    votes: list[rules.Vote],
    candidates: dict[str, Candidate],
) -> BallotClosedData:
    return BallotClosedData(
        ballot_id=ballot["_id"],
        quarter=ballot["quarter"],
        closed_at=result["closed_at"],
        closed_by=result["closed_by"],
        quorum=ballot["quorum"],
        voters=tally.voters,
        quorum_met=tally.quorum_met,
        ranking=[_titled(ranked.published(), candidates) for ranked in tally.ranking],
        tie_break=rules.TIE_BREAK,
        audit=[CastVote(**asdict(vote)) for vote in votes],
    )


async def close_ended(uow: UnitOfWork, context: Context) -> list[str]:
    return await store.ended_ballots(uow, context.now())


def _titled(ranked: RankedCandidate, candidates: dict[str, Candidate]) -> RankedCandidate:
    """The ranking names each candidate, its kind and its owner, so the results say who takes what on."""
    named = candidates.get(ranked.initiative_id)
    if named is None:
        return ranked
    update = {"title": named.title, "owner_team_id": named.owner_team_id, "kind": named.kind}
    return ranked.model_copy(update=update)
