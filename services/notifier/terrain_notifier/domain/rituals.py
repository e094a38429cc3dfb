"""Who hears of each planning ritual, and why (pure: the directory and the event's data in, recipients out).

- dependency requested: the asked team's PMs and lead (its directors, else its tribe's), with the
  answer-by day; answered: the requester; overdue: both; escalated: Product Ops;
- cycle phase changed: the PMs and directors of every team, with what the phase asks of them;
- ballot opened: every director; closing soon: the directors who have not voted; closed: everyone who
  voted, and the PMs of the teams owning a ranked candidate (theirs to take on); a candidate assigned
  after the vote: its owner, and the PMs of the owning team.

A team nobody can be told about (no PM, no lead) falls back to Product Ops; members away hand over to
their backup as for insights (``routing.hand_over``).
"""

from collections.abc import Iterable

from terrain_contracts.events.ballot import (
    BallotCandidateAssignedData,
    BallotClosedData,
    BallotClosingSoonData,
    BallotOpenedData,
)
from terrain_contracts.events.dependency import (
    DependencyAnsweredData,
    DependencyOverdueData,
    DependencyRequestedData,
)
from terrain_contracts.events.initiative import CyclePhaseChangedData
from terrain_contracts.events.team import Discipline, MemberRole

from .routing import Directory, Recipient, Team
from .rules import Rules


class Picks:
    def __init__(self) -> None:
        self.by_member: dict[str, Recipient] = {}

    def add(self, member_id: str, reason: str) -> None:
        held = self.by_member.setdefault(member_id, Recipient(member_id=member_id))
        if reason not in held.reasons:
            held.reasons.append(reason)

    def recipients(self) -> list[Recipient]:
        return list(self.by_member.values())


def label(team: Team) -> str:
    return f"{team.name} ({team.team_id})"


def leads(team: Team, directory: Directory) -> tuple[list[str], str]:
    """A team's lead: its directors, else its tribe's product director (all its directors when none says
    product); with how to say it."""
    own = team.with_role(MemberRole.director)
    if own or team.parent_team_id not in directory.teams:
        return own, f"lead of {label(team)}"
    tribe = directory.teams[team.parent_team_id or ""]
    directors = tribe.with_role(MemberRole.director)
    product = [d for d in directors if directory.person(d).discipline is Discipline.product]
    return product or directors, f"lead of {label(tribe)}, tribe of {label(team)}"


def director_title(member_id: str, directory: Directory) -> str:
    discipline = directory.person(member_id).discipline
    return f"director ({discipline.value})" if discipline else "director"


def team_duty(picks: Picks, team_id: str, why: str, directory: Directory, rules: Rules) -> None:
    """The team's PMs and lead, each with ``why``; Product Ops when the team has neither."""
    team = directory.teams.get(team_id)
    if team is None:
        _ops(picks, directory, rules, f"team {team_id} is unknown to the notifier; {why}")
        return
    found = False
    for pm in team.with_role(MemberRole.pm):
        picks.add(pm, f"PM of {label(team)}: {why}")
        found = True
    directors, as_lead = leads(team, directory)
    for lead in directors:
        picks.add(lead, f"{as_lead}: {why}")
        found = True
    if not found:
        _ops(picks, directory, rules, f"{label(team)} has no PM and no lead; {why}")


def _ops(picks: Picks, directory: Directory, rules: Rules, why: str) -> None:
    for member in directory.product_ops(rules):
        picks.add(member, f"Product Ops: {why}")


def requester(
    picks: Picks, member_id: str | None, team_id: str | None, why: str, directory: Directory
) -> None:
    """Who asked; when it was not a known member (an API key), the requesting team's PMs."""
    if member_id and member_id in directory.people:
        picks.add(member_id, f"you asked: {why}")
        return
    team = directory.teams.get(team_id or "")
    if team is not None:
        for pm in team.with_role(MemberRole.pm):
            picks.add(pm, f"PM of {label(team)}, the requesting team: {why}")


def requested(data: DependencyRequestedData, directory: Directory, rules: Rules) -> list[Recipient]:
    picks = Picks()
    why = f"your team is asked for a dependency, answer by {data.answer_by.isoformat()}"
    team_duty(picks, data.on_team_id, why, directory, rules)
    return picks.recipients()


def answered(data: DependencyAnsweredData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    why = f"team {data.on_team_id} {data.answer.value} your dependency request {data.dependency_id}"
    requester(picks, data.requested_by, data.requesting_team_id, why, directory)
    return picks.recipients()


def overdue(data: DependencyOverdueData, directory: Directory, rules: Rules) -> list[Recipient]:
    picks = Picks()
    late = f"{data.days_overdue} day(s) past its answer-by day {data.answer_by.isoformat()}"
    if data.escalated:
        _ops(picks, directory, rules, f"escalation: dependency {data.dependency_id} still unanswered, {late}")
        return picks.recipients()
    team_duty(picks, data.on_team_id, f"a request to your team is unanswered, {late}", directory, rules)
    requester(picks, data.requested_by, data.requesting_team_id, f"still unanswered, {late}", directory)
    return picks.recipients()


def phase_changed(data: CyclePhaseChangedData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    phase = f"quarter {data.quarter} moved to {data.to_phase.value}"
    for team in sorted(directory.teams.values(), key=lambda t: t.team_id):
        asked = data.open_requests_by_team.get(team.team_id, 0)
        why = phase + (f"; {asked} request(s) to your team await an answer" if asked else "")
        for pm in team.with_role(MemberRole.pm):
            picks.add(pm, f"PM of {label(team)}: {why}")
        for director in team.with_role(MemberRole.director):
            picks.add(director, f"{director_title(director, directory)} in {label(team)}: {why}")
    return picks.recipients()


def all_directors(directory: Directory) -> Iterable[tuple[str, Team]]:
    for team in sorted(directory.teams.values(), key=lambda t: t.team_id):
        for director in team.with_role(MemberRole.director):
            yield director, team


def ballot_opened(data: BallotOpenedData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    closes = data.closes_at.isoformat(timespec="minutes")
    why = f"directors vote 1-3 on the {data.quarter} candidates until {closes}"
    for director, team in all_directors(directory):
        picks.add(director, f"{director_title(director, directory)} in {label(team)}: {why}")
    return picks.recipients()


def closing_soon(data: BallotClosingSoonData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    closes = data.closes_at.isoformat(timespec="minutes")
    for director in data.pending_director_ids:
        title = director_title(director, directory)
        picks.add(director, f"{title} who has not voted yet in ballot {data.ballot_id}, closing {closes}")
    return picks.recipients()


def ballot_closed(data: BallotClosedData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    for director in dict.fromkeys(vote.director_id for vote in data.audit):
        picks.add(director, f"you voted in ballot {data.ballot_id} ({data.quarter})")
    for ranked in data.ranking:
        team = directory.teams.get(ranked.owner_team_id or "")
        if team is None:
            continue
        what = f"'{ranked.title}'" if ranked.title else ranked.initiative_id
        for pm in team.with_role(MemberRole.pm):
            picks.add(pm, f"PM of {label(team)}: {what} ranked #{ranked.rank}, your team's to take on")
    return picks.recipients()


def assigned(data: BallotCandidateAssignedData, directory: Directory) -> list[Recipient]:
    picks = Picks()
    what = f"'{data.title}'" if data.title else data.candidate_id
    ranked = f" (ranked #{data.rank})" if data.rank else ""
    picks.add(data.owner_member_id, f"you own {what}{ranked} after the {data.quarter} vote")
    team = directory.teams.get(data.owner_team_id or "")
    if team is not None:
        for pm in team.with_role(MemberRole.pm):
            picks.add(pm, f"PM of {label(team)}: {what}{ranked} is assigned to your team")
    return picks.recipients()
