"""The directors' ballot: candidates (initiatives and Product Ops' own projects), its opening, the reminder
before it closes, the results, and the owners given to ranked candidates after the vote."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Id, Quarter, Title, UtcDatetime


class CandidateKind(StrEnum):
    initiative = "initiative"
    project = "project"  # one of Product Ops' own projects, put to the vote beside the initiatives


class BallotCandidate(Contract):
    initiative_id: Id = Field(description="The initiative's id, or the project's (prj-...).")
    title: Title | None = None
    owner_team_id: Id | None = None
    kind: CandidateKind = CandidateKind.initiative


class BallotOpenedData(Contract):
    ballot_id: Id
    quarter: Quarter
    opens_at: UtcDatetime
    closes_at: UtcDatetime
    quorum: int = Field(ge=0)
    candidates: list[BallotCandidate] = Field(max_length=500)
    opened_by: Id


class BallotOpened(Event):
    """The directors' vote window opened (at creation, or when its ``opens_at`` came)."""

    type: Literal["ballot.opened"] = "ballot.opened"
    version: Literal[1] = 1
    data: BallotOpenedData
    subject: ClassVar[str] = subjects.BALLOT_OPENED
    stream: ClassVar[str] = streams.INITIATIVES


class BallotClosingSoonData(Contract):
    ballot_id: Id
    quarter: Quarter
    closes_at: UtcDatetime
    voters: int = Field(ge=0)
    quorum: int = Field(ge=0)
    pending_director_ids: list[Id] = Field(
        max_length=500, description="Directors who have not voted yet: the ones reminded."
    )


class BallotClosingSoon(Event):
    """A ballot closes within the reminder window (24 h by default): once per ballot."""

    type: Literal["ballot.closing_soon"] = "ballot.closing_soon"
    version: Literal[1] = 1
    data: BallotClosingSoonData
    subject: ClassVar[str] = subjects.BALLOT_CLOSING_SOON
    stream: ClassVar[str] = streams.INITIATIVES


class RankedCandidate(Contract):
    initiative_id: Id
    rank: int = Field(ge=1)
    total: int = Field(ge=0)
    votes: int = Field(ge=0)
    average: float = Field(ge=0.0, le=3.0)
    title: Title | None = None
    owner_team_id: Id | None = None
    kind: CandidateKind = CandidateKind.initiative


class CastVote(Contract):
    director_id: Id
    initiative_id: Id
    score: int = Field(ge=1, le=3)
    cast_at: UtcDatetime


class BallotClosedData(Contract):
    ballot_id: Id
    quarter: Quarter
    closed_at: UtcDatetime
    closed_by: Id
    quorum: int = Field(ge=0)
    voters: int = Field(ge=0)
    quorum_met: bool
    ranking: list[RankedCandidate] = Field(max_length=500)
    tie_break: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    audit: list[CastVote] = Field(max_length=10_000, description="Every vote as last cast.")


class BallotClosed(Event):
    """The directors' 1-3 vote on a quarter's candidates closed: ranking and full audit."""

    type: Literal["ballot.closed"] = "ballot.closed"
    version: Literal[1] = 1
    data: BallotClosedData
    subject: ClassVar[str] = subjects.BALLOT_CLOSED
    stream: ClassVar[str] = streams.INITIATIVES


class BallotCandidateAssignedData(Contract):
    ballot_id: Id
    quarter: Quarter
    candidate_id: Id
    kind: CandidateKind
    title: Title | None = None
    rank: int | None = Field(default=None, ge=1)
    owner_member_id: Id
    owner_team_id: Id | None = None
    assigned_by: Id


class BallotCandidateAssigned(Event):
    """After the vote, Product Ops gives a ranked candidate (an initiative or a project) its owner."""

    type: Literal["ballot.candidate_assigned"] = "ballot.candidate_assigned"
    version: Literal[1] = 1
    data: BallotCandidateAssignedData
    subject: ClassVar[str] = subjects.BALLOT_CANDIDATE_ASSIGNED
    stream: ClassVar[str] = streams.INITIATIVES
