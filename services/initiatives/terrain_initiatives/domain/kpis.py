"""Product Ops KPIs, per team and quarter: pure computations over the facts the store reads.

Definitions (also in the service README):

- an item **reaches** a team in a quarter when insights classifies it (first classification, calendar
  quarter of that moment) under a theme whose product area the team owns;
- **triaged**: linked to an initiative, or dismissed as an initiative's suggestion, by a person; its
  triage time is the earliest of those moments, measured from the classification;
- **loop closed**: a linked item of a shipped initiative whose reporter was told (notification.loop_closed);
- **backed by evidence**: a committed (or in progress, or shipped) initiative with linked feedback;
- **complete briefing**: a success metric and a product area, both set at the cycle's deadline (the
  moment the quarter entered validation); a team **adopted** briefings when it had one complete by then;
- **dependency answer time**: from the request to its answer, per team asked;
- **vote participation**: directors who voted in one of the quarter's ballots / directors.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

COMMITTED = ("committed", "in_progress", "shipped")
BRIEFING_FIELDS = ("success_metric", "product_area")  # the ones a draft may leave empty


def quarter_of(at: datetime) -> str:
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def quarters_around(at: datetime) -> list[str]:
    """The previous, current and next calendar quarters: what the gauges show (bounded cardinality)."""
    year, q = at.year, (at.month - 1) // 3
    found = []
    for step in (-1, 0, 1):
        y, i = divmod(year * 4 + q + step, 4)
        found.append(f"{y}-Q{i + 1}")
    return found


def reached(
    held: dict[str, Any] | None,
    feedback_id: str,
    revision: int,
    at: datetime,
    area: str | None,
    owner: str | None,
) -> dict[str, Any]:
    """The classified-item document after one classification: the first classification's moment (and its
    quarter), the area and owning team of the newest revision classified."""
    first = at if held is None else min(held["classified_at"], at)
    if held is not None and revision <= held["revision"]:
        return {**held, "classified_at": first, "quarter": quarter_of(first)}
    return {
        "_id": feedback_id,
        "revision": revision,
        "product_area": area,
        "team_id": owner,
        "classified_at": first,
        "quarter": quarter_of(first),
    }


@dataclass(frozen=True)
class Ratio:
    count: int
    of: int

    @property
    def share(self) -> float | None:
        return round(self.count / self.of, 4) if self.of else None


def median_hours(durations: Iterable[timedelta]) -> float | None:
    hours = [max(d.total_seconds(), 0.0) / 3600 for d in durations]
    return round(median(hours), 2) if hours else None


@dataclass(frozen=True)
class Item:
    """One classified item that reached a team (``team_id`` None: its area has no owner)."""

    feedback_id: str
    team_id: str | None
    classified_at: datetime
    linked_at: datetime | None = None
    dismissed_at: datetime | None = None

    @property
    def triaged_at(self) -> datetime | None:
        moments = [m for m in (self.linked_at, self.dismissed_at) if m is not None]
        return min(moments) if moments else None


@dataclass(frozen=True)
class FeedbackKpis:
    items: int
    triaged: Ratio
    median_triage_hours: float | None
    linked: Ratio


def feedback_kpis(items: list[Item]) -> FeedbackKpis:
    triaged = [(i.triaged_at, i.classified_at) for i in items if i.triaged_at is not None]
    return FeedbackKpis(
        items=len(items),
        triaged=Ratio(len(triaged), len(items)),
        median_triage_hours=median_hours(t - c for t, c in triaged),
        linked=Ratio(sum(1 for i in items if i.linked_at is not None), len(items)),
    )


def evidence_backed(initiatives: Iterable[dict[str, Any]]) -> Ratio:
    committed = [i for i in initiatives if i["status"] in COMMITTED]
    return Ratio(sum(1 for i in committed if i["evidence"]["items"] > 0), len(committed))


def loop_closure(loops: set[tuple[str, str]], closed: set[tuple[str, str]]) -> Ratio:
    """``loops``: (initiative, feedback) linked to shipped initiatives; ``closed``: those told."""
    return Ratio(len(loops & closed), len(loops))


def complete_at(history: Iterable[dict[str, Any]], deadline: datetime) -> bool | None:
    """Whether the briefing had every field of ``BRIEFING_FIELDS`` at ``deadline``, replaying its history
    (created and edited entries, oldest first); None when it did not exist yet."""
    state: dict[str, Any] = {}
    existed = False
    for entry in history:
        if entry["at"] > deadline:
            break
        existed = existed or entry["action"] == "created"
        for name in BRIEFING_FIELDS:
            if name in entry["changes"]:
                state[name] = entry["changes"][name]["to"]
    if not existed:
        return None
    return all(state.get(name) for name in BRIEFING_FIELDS)


def deadline_of(cycle: dict[str, Any] | None) -> datetime | None:
    """When the quarter entered validation (no new briefings from then on); None before."""
    for entry in (cycle or {}).get("phases", []):
        if entry["phase"] == "validation":
            return entry["at"]
    return None


def answer_times(dependencies: Iterable[dict[str, Any]]) -> tuple[Ratio, float | None]:
    """(answered of requested, median hours from request to answer); withdrawn requests do not count."""
    asked = [d for d in dependencies if d["state"] != "withdrawn"]
    answered = [d for d in asked if d.get("answered_at") is not None]
    return Ratio(len(answered), len(asked)), median_hours(
        d["answered_at"] - d["requested_at"] for d in answered
    )


@dataclass
class TeamKpis:
    team_id: str | None  # None: the quarter as a whole
    feedback: FeedbackKpis
    loop_closure: Ratio
    evidence_backed: Ratio
    complete_briefings: Ratio
    adopted: bool | None  # None: not a squad (only squads are asked for briefings)
    dependency_answers: Ratio
    median_answer_hours: float | None
    vote_participation: Ratio


@dataclass
class QuarterKpis:
    quarter: str
    deadline: datetime | None
    adoption: Ratio  # squads that adopted briefings / squads
    total: TeamKpis
    teams: list[TeamKpis] = field(default_factory=list)
