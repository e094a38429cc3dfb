"""The directors' ballot: Product Ops open and close it, directors score each candidate 1-3."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from terrain_contracts.types import Id, Quarter, Title
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.pagination import Page

from .. import metrics
from ..domain.ballots import TIE_BREAK, Ranked
from ..handlers import ballots as handlers
from ..handlers import candidates
from ..store import planning as store
from .acting import Runner, Voter

router = APIRouter(prefix="/v1/ballots", tags=["ballots"])


class NewProject(BaseModel):
    """One of Product Ops' own projects, put to the vote beside the product initiatives."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    owner_team_id: Id | None = Field(default=None, description="The team expected to carry it, if known.")


class NewBallot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quarter: Quarter
    candidate_ids: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="Initiatives of the quarter, proposed, aligned or committed.",
    )
    projects: list[NewProject] = Field(
        default_factory=list, max_length=50, description="Product Ops' own projects (ids prj-... given)."
    )
    opens_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    closes_at: AwareDatetime
    # Bounded: past BSON's int64 the insert raised OverflowError (a 500); no ballot has 1,000 directors.
    quorum: int | None = Field(
        default=None, ge=0, le=1000, description="Directors needed; defaults to the setting."
    )


class VoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=3)


class Vote(BaseModel):
    director_id: str
    initiative_id: str
    score: int
    cast_at: datetime
    first_cast_at: datetime
    changes: int = Field(description="How many times this vote was cast (1 = never changed).")


class Result(BaseModel):
    closed_at: datetime
    closed_by: str
    voters: int
    quorum_met: bool
    tie_break: str
    ranking: list[Ranked]


class Project(BaseModel):
    title: str
    owner_team_id: str | None


class Assignment(BaseModel):
    owner_member_id: str
    owner_team_id: str | None
    assigned_by: str
    assigned_at: datetime


class AssignmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_member_id: Id = Field(description="The member who takes the candidate on.")
    owner_team_id: Id | None = None


class Ballot(BaseModel):
    ballot_id: str
    quarter: str
    candidates: list[str]
    opens_at: datetime
    closes_at: datetime
    quorum: int
    state: str = Field(description="open or closed.")
    created_by: str
    voters: int | None = Field(default=None, description="Directors who voted so far (while open).")
    tie_break: str = TIE_BREAK
    result: Result | None
    projects: dict[str, Project] = Field(default_factory=dict, description="Candidates that are projects.")
    assignments: dict[str, Assignment] = Field(
        default_factory=dict, description="Owners given to candidates after the vote."
    )


def ballot(doc: dict[str, Any], voters: int | None = None) -> Ballot:
    return Ballot(
        ballot_id=doc["_id"],
        voters=voters,
        projects=doc.get("projects") or {},
        assignments=doc.get("assignments") or {},
        **{
            k: doc[k]
            for k in (
                "quarter",
                "candidates",
                "opens_at",
                "closes_at",
                "quorum",
                "state",
                "created_by",
                "result",
            )
        },
    )


def vote(doc: dict[str, Any]) -> Vote:
    return Vote(
        changes=len(doc["changes"]),
        **{k: doc[k] for k in ("director_id", "initiative_id", "score", "cast_at", "first_cast_at")},
    )


@router.post("", status_code=201, response_model=Ballot)
async def open_ballot(body: NewBallot, call: Runner) -> Ballot:
    """Open a ballot over a quarter's candidates, with its voting window and quorum."""
    candidates = list(dict.fromkeys(body.candidate_ids))
    projects = [project.model_dump() for project in body.projects]
    doc = await call.run(
        handlers.open_ballot, body.quarter, candidates, body.opens_at, body.closes_at, body.quorum, projects
    )
    return ballot(doc, voters=0)


@router.get("", response_model=Page[Ballot])
async def list_ballots(
    uow: Reads,
    principal: Reader,
    quarter: Quarter | None = None,
    state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[Ballot]:
    docs, next_cursor = await store.ballots(uow, quarter, state, limit, cursor)
    return Page(items=[ballot(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/{ballot_id}", response_model=Ballot)
async def get_ballot(ballot_id: Id, uow: Reads, principal: Reader) -> Ballot:
    """The ballot; its ranking once closed (scores stay private while it is open)."""
    doc = await handlers.load(uow, ballot_id)
    return ballot(doc, voters=await store.voter_count(uow, ballot_id) if doc["state"] == "open" else None)


@router.put("/{ballot_id}/votes/{initiative_id}", response_model=Vote)
async def cast_vote(ballot_id: Id, initiative_id: Id, body: VoteRequest, call: Voter) -> Vote:
    """A director scores a candidate 1-3 inside the window; voting again replaces their score until close."""
    cast = await call.run(handlers.cast, ballot_id, initiative_id, body.score)
    metrics.VOTES.inc()
    return vote(cast)


@router.get("/{ballot_id}/votes", response_model=list[Vote])
async def list_votes(ballot_id: Id, uow: Reads, principal: Reader) -> list[Vote]:
    """While open, a director sees their own votes; once closed everyone sees the full audit."""
    doc = await handlers.load(uow, ballot_id)
    if doc["state"] == "open":
        return [vote(v) for v in await store.votes(uow, ballot_id, director_id=principal.actor)]
    return [vote(v) for v in await store.votes(uow, ballot_id)]


@router.post("/{ballot_id}/close", response_model=Ballot)
async def close_ballot(ballot_id: Id, call: Runner, response: Response) -> Ballot:
    """Close (early, or after the window), rank and publish ballot.closed with the full audit, once."""
    doc, announced = await call.run(handlers.close, ballot_id)
    if announced:
        metrics.BALLOTS_CLOSED.labels(str(doc["result"]["quorum_met"]).lower(), "product_ops").inc()
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return ballot(doc)


@router.put("/{ballot_id}/assignments/{candidate_id}", response_model=Ballot)
async def assign(
    ballot_id: Id, candidate_id: Id, body: AssignmentRequest, call: Runner, response: Response
) -> Ballot:
    """After the vote, give a candidate (initiative or project) its owner; announces
    ballot.candidate_assigned (the same owner again announces nothing)."""
    doc, announced = await call.run(
        candidates.assign, ballot_id, candidate_id, body.owner_member_id, body.owner_team_id
    )
    if not announced:
        response.headers["Idempotent-Replayed"] = "true"
    return ballot(doc)
