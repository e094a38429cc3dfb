"""What a planning notification says: one :class:`Topic` per ritual event (title, the facts, a key)."""

from terrain_contracts.events.ballot import (
    BallotCandidateAssignedData,
    BallotClosedData,
    BallotClosingSoonData,
    BallotOpenedData,
    CandidateKind,
    RankedCandidate,
)
from terrain_contracts.events.dependency import (
    DependencyAnsweredData,
    DependencyOverdueData,
    DependencyRequestedData,
)
from terrain_contracts.events.initiative import CyclePhaseChangedData
from terrain_contracts.events.insight import Severity

from .topics import Topic


def _initiative(initiative_id: str, title: str | None) -> str:
    return f"'{title}' ({initiative_id})" if title else initiative_id


def requested(data: DependencyRequestedData) -> Topic:
    what = _initiative(data.initiative_id, data.initiative_title)
    on = f" (initiative {data.on_initiative_id})" if data.on_initiative_id else ""
    return Topic(
        key=f"dependency:{data.dependency_id}",
        title=f"Dependency request to {data.on_team_id}: answer by {data.answer_by.isoformat()}",
        summary=f"Team {data.requesting_team_id} asks team {data.on_team_id}{on} for {what}:\n"
        f"{data.description}\nAnswer by {data.answer_by.isoformat()} (accept or decline).",
        severity=Severity.info,
        kind="dependency_requested",
        initiative_id=data.initiative_id,
        ritual="dependency_requested",
        data={"dependency": data.model_dump(mode="json")},
    )


def answered(data: DependencyAnsweredData) -> Topic:
    what = _initiative(data.initiative_id, data.initiative_title)
    note = f"\nTheir note: {data.note}" if data.note else ""
    return Topic(
        key=f"dependency:{data.dependency_id}",
        title=f"Dependency {data.answer.value} by {data.on_team_id}",
        summary=f"Team {data.on_team_id} {data.answer.value} the dependency of {what} "
        f"({data.dependency_id}).{note}",
        severity=Severity.info,
        kind="dependency_answered",
        initiative_id=data.initiative_id,
        ritual="dependency_answered",
        data={"dependency": data.model_dump(mode="json")},
    )


def overdue(data: DependencyOverdueData) -> Topic:
    what = _initiative(data.initiative_id, data.initiative_title)
    ritual = "dependency_escalated" if data.escalated else "dependency_overdue"
    prefix = "Escalation: dependency" if data.escalated else "Dependency"
    return Topic(
        key=f"dependency:{data.dependency_id}",
        title=f"{prefix} overdue: {data.on_team_id} has not answered {data.requesting_team_id}",
        summary=f"The request of team {data.requesting_team_id} to team {data.on_team_id} for {what} "
        f"({data.dependency_id}) was due on {data.answer_by.isoformat()}: {data.days_overdue} day(s) late.",
        severity=Severity.warning,
        kind=ritual,
        initiative_id=data.initiative_id,
        ritual=ritual,
        data={"dependency": data.model_dump(mode="json")},
    )


def phase_changed(data: CyclePhaseChangedData) -> Topic:
    return Topic(
        key=f"cycle:{data.quarter}",
        title=f"Quarter {data.quarter}: {data.to_phase.value}",
        summary=f"The planning cycle of {data.quarter} is now in {data.to_phase.value}.\n"
        f"What is due: {data.due}",
        severity=Severity.info,
        kind="cycle_phase_changed",
        ritual="cycle_phase_changed",
        data={"cycle": data.model_dump(mode="json")},
    )


def ballot_opened(data: BallotOpenedData) -> Topic:
    lines = "\n".join(f"- {_initiative(c.initiative_id, c.title)}" for c in data.candidates)
    closes = data.closes_at.isoformat(timespec="minutes")
    return Topic(
        key=f"ballot:{data.ballot_id}",
        title=f"Vote open: {data.quarter} candidates, until {closes}",
        summary=f"Score each candidate 1-3 (PUT /v1/ballots/{data.ballot_id}/votes/{{initiative_id}}) "
        f"before {closes}; quorum {data.quorum}.\nCandidates:\n{lines}",
        severity=Severity.info,
        kind="ballot_opened",
        ritual="ballot_opened",
        data={"ballot": data.model_dump(mode="json")},
    )


def closing_soon(data: BallotClosingSoonData) -> Topic:
    closes = data.closes_at.isoformat(timespec="minutes")
    return Topic(
        key=f"ballot:{data.ballot_id}",
        title=f"Vote closing {closes}: you have not voted yet",
        summary=f"Ballot {data.ballot_id} ({data.quarter}) closes at {closes}; {data.voters} director(s) "
        f"voted so far, quorum {data.quorum}.",
        severity=Severity.warning,
        kind="ballot_closing_soon",
        ritual="ballot_closing_soon",
        data={"ballot": data.model_dump(mode="json")},
    )


def _ranked(r: RankedCandidate) -> str:
    project = " (Product Ops project)" if r.kind is CandidateKind.project else ""
    owner = f", owner {r.owner_team_id}" if r.owner_team_id else ""
    score = f"total {r.total}, average {r.average:.2f}"
    return f"#{r.rank} {_initiative(r.initiative_id, r.title)}{project}: {score}{owner}"


def ballot_closed(data: BallotClosedData) -> Topic:
    lines = "\n".join(_ranked(r) for r in data.ranking)
    quorum = "quorum met" if data.quorum_met else "quorum NOT met: priorities unchanged"
    return Topic(
        key=f"ballot:{data.ballot_id}",
        title=f"Vote results: {data.quarter}",
        summary=f"{data.voters} director(s) voted ({quorum}).\n{lines}\n{data.tie_break}",
        severity=Severity.info,
        kind="ballot_closed",
        ritual="ballot_closed",
        data={"ranking": [r.model_dump(mode="json") for r in data.ranking]},
    )


def assigned(data: BallotCandidateAssignedData) -> Topic:
    what = _initiative(data.candidate_id, data.title)
    ranked = f", ranked #{data.rank}," if data.rank else ""
    team = f" for team {data.owner_team_id}" if data.owner_team_id else ""
    return Topic(
        key=f"ballot:{data.ballot_id}:{data.candidate_id}",
        title=f"Assigned to {data.owner_member_id}: {data.title or data.candidate_id}",
        summary=f"After the {data.quarter} vote, the {data.kind.value} {what}{ranked} is owned by "
        f"{data.owner_member_id}{team} (assigned by {data.assigned_by}).",
        severity=Severity.info,
        kind="candidate_assigned",
        initiative_id=data.candidate_id if data.kind is CandidateKind.initiative else None,
        ritual="candidate_assigned",
        data={"assignment": data.model_dump(mode="json")},
    )
