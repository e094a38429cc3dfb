"""The directors' 1-3 vote: the window, the ranking and its stated tie-break."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from terrain_contracts.events.ballot import RankedCandidate
from terrain_kit.errors import Conflict

TIE_BREAK = (
    "Candidates are ranked by total score (the sum of the directors' 1-3 scores); "
    "ties go to the candidate with more 3-point votes, then to the one first proposed earlier, "
    "then by initiative id in alphabetical order."
)


@dataclass(frozen=True)
class Vote:
    director_id: str
    initiative_id: str
    score: int
    cast_at: datetime


class Ranked(RankedCandidate):
    """A candidate's place: the shape ``ballot.closed`` publishes, plus the 3-point votes the tie-break
    counted. The ballot's stored result and the API show it whole."""

    threes: int

    def published(self) -> RankedCandidate:
        return RankedCandidate(**self.model_dump(exclude={"threes"}))

    @property
    def vote_average(self) -> float | None:
        """What a quorate ballot gives the priority score: None for a candidate nobody scored."""
        return self.average if self.votes else None


@dataclass(frozen=True)
class Tally:
    voters: int
    quorum_met: bool
    ranking: list[Ranked]


def check_closable(ballot_id: str, now: datetime, opens_at: datetime) -> None:
    """A ballot closes early if need be, but not before it opened."""
    if now < opens_at:
        raise Conflict(f"ballot {ballot_id} has not opened yet (opens at {opens_at.isoformat()})")


def check_window(now: datetime, opens_at: datetime, closes_at: datetime, closed: bool) -> None:
    if closed:
        raise Conflict("the ballot is closed: votes are no longer accepted")
    if now < opens_at:
        raise Conflict(f"the ballot opens at {opens_at.isoformat()}: votes are not accepted yet")
    if now >= closes_at:
        raise Conflict(f"the ballot window ended at {closes_at.isoformat()}: votes are no longer accepted")


def rank(
    candidates: Iterable[str], votes: Iterable[Vote], proposed_at: Mapping[str, datetime | None]
) -> list[Ranked]:
    """Rank every candidate (with or without votes) as stated in :data:`TIE_BREAK`.

    Candidates are proposed or beyond, so all have a first-proposal time; one without
    (not possible through the API) would rank after those with one.
    """
    scores: dict[str, list[int]] = {candidate: [] for candidate in candidates}
    for vote in votes:
        if vote.initiative_id in scores:
            scores[vote.initiative_id].append(vote.score)

    def key(initiative_id: str) -> tuple:
        given = scores[initiative_id]
        proposed = proposed_at.get(initiative_id)
        return (-sum(given), -given.count(3), proposed is None, proposed or datetime.min, initiative_id)

    ordered = sorted(scores, key=key)
    return [
        Ranked(
            initiative_id=i,
            rank=position,
            total=sum(scores[i]),
            votes=len(scores[i]),
            threes=scores[i].count(3),
            average=round(sum(scores[i]) / len(scores[i]), 4) if scores[i] else 0.0,
        )
        for position, i in enumerate(ordered, start=1)
    ]


def voters(votes: Iterable[Vote]) -> int:
    return len({vote.director_id for vote in votes})


def tally(
    candidates: Iterable[str], votes: list[Vote], proposed_at: Mapping[str, datetime | None], quorum: int
) -> Tally:
    """The result of a closing ballot: its ranking, and whether enough directors voted for it to count."""
    counted = voters(votes)
    return Tally(voters=counted, quorum_met=counted >= quorum, ranking=rank(candidates, votes, proposed_at))
