"""Dependencies between initiatives and teams: cycles, the alignment gate, overdue requests."""

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from terrain_kit.errors import Conflict, Invalid


class DependencyState(StrEnum):
    open = "open"  # requested, not answered yet
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"  # the requesting team no longer needs it


# Dependencies that still bind the two initiatives, so take part in cycles.
BINDING = (DependencyState.open, DependencyState.accepted)


@dataclass(frozen=True)
class Node:
    """What a cycle message says about one initiative."""

    initiative_id: str
    title: str
    team_id: str


def find_cycle(edges: Mapping[str, Iterable[str]], source: str, target: str) -> list[str] | None:
    """The shortest cycle the edge ``source -> target`` would close, as [source, target, ..., source].

    Edges go from an initiative to the initiatives it depends on. A dependency on a
    team alone names no initiative, so it cannot close a cycle: the team answers it
    with work, not by waiting on the requester.
    """
    if source == target:
        return [source, source]
    parents: dict[str, str | None] = {target: None}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        for following in sorted(edges.get(node, ())):
            if following in parents:
                continue
            parents[following] = node
            if following == source:
                path: list[str] = []
                step: str | None = following
                while step is not None:
                    path.append(step)
                    step = parents[step]
                return [source, *reversed(path)]
            queue.append(following)
    return None


def describe_cycle(cycle: list[str], nodes: Mapping[str, Node]) -> str:
    """'initiative A 'Title' (team x) -> team y's initiative B 'Title' -> ... -> A'."""
    first = nodes[cycle[0]]
    parts = [f"initiative {first.initiative_id} '{first.title}' (team {first.team_id})"]
    for initiative_id in cycle[1:]:
        node = nodes[initiative_id]
        parts.append(f"team {node.team_id}'s initiative {node.initiative_id} '{node.title}'")
    return " -> ".join(parts)


@dataclass(frozen=True)
class Blocking:
    dependency_id: str
    on_team_id: str
    on_initiative_id: str | None
    state: DependencyState
    answer_by: date


def check_alignable(dependencies: Iterable[Blocking]) -> None:
    """An initiative aligns only once every dependency it still has was accepted."""
    reasons = []
    for dep in dependencies:
        on = f"team {dep.on_team_id}" + (
            f" (initiative {dep.on_initiative_id})" if dep.on_initiative_id else ""
        )
        if dep.state is DependencyState.open:
            reasons.append(
                f"dependency {dep.dependency_id} on {on} is unanswered (answer by {dep.answer_by})"
            )
        elif dep.state is DependencyState.declined:
            reasons.append(f"dependency {dep.dependency_id} on {on} was declined")
    if reasons:
        raise Conflict(
            "cannot move to aligned: " + "; ".join(reasons) + ". Get it accepted, or withdraw it and replan"
        )


def is_overdue(state: DependencyState, answer_by: date, today: date) -> bool:
    """Unanswered after the answer-by day."""
    return state is DependencyState.open and today > answer_by


def check_request(owner_team_id: str, on_team_id: str, answer_by: date, today: date) -> None:
    """A request asks another team, and leaves it time to answer."""
    if on_team_id == owner_team_id:
        raise Invalid("on_team_id", "an initiative depends on another team than its own")
    if answer_by < today:
        raise Invalid("answer_by", f"{answer_by} has passed: give the other team time to answer")
