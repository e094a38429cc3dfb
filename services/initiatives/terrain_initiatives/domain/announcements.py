"""What the planning rituals announce, and when: pure rules over the cycle, ballots and dependencies."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from terrain_contracts.events.team import MemberRole, TeamState

from .lifecycle import Phase

# What each phase of the quarterly cycle asks of the teams (sent with initiative.cycle_phase_changed).
DUE: dict[Phase, str] = {
    Phase.drafting: "Draft the quarter's briefings (problem, source, size, intention, success metric) and "
    "ask other teams for what you depend on, with an answer-by day.",
    Phase.alignment: "Answer the dependency requests made to your team and align your initiatives: an "
    "initiative is aligned once every dependency it asked for is accepted.",
    Phase.validation: "Product Ops commits the aligned initiatives and the directors vote on the "
    "candidates; no new briefings enter the quarter.",
    Phase.frozen: "The quarter's plan is frozen: deliver the committed initiatives.",
}


def directors(teams: Iterable[TeamState]) -> list[str]:
    """Every member with the director role, once, in a stable order."""
    found = (m.member_id for t in sorted(teams, key=lambda t: t.team_id) for m in t.members)
    roles = {m.member_id: m.role for t in teams for m in t.members}
    return [m for m in dict.fromkeys(found) if roles[m] is MemberRole.director]


def pending_voters(all_directors: list[str], voted: Iterable[str]) -> list[str]:
    """The directors reminded before the close: those who have not voted on any candidate yet."""
    done = set(voted)
    return [d for d in all_directors if d not in done]


def reminder_due(opens_at: datetime, closes_at: datetime, now: datetime, window: timedelta) -> bool:
    """A ballot is reminded once, when it closes within ``window``; a ballot whose whole window is
    shorter than that is not (its opening notice already says when it closes)."""
    return closes_at - opens_at > window and closes_at - window <= now < closes_at


def days_overdue(answer_by: date, today: date) -> int:
    return (today - answer_by).days
