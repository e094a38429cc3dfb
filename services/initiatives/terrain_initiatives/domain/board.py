"""The board of a quarter: its dependencies grouped per initiative and team, and what it counts."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .dependencies import DependencyState

Doc = dict[str, Any]


@dataclass
class Grouped:
    outgoing: dict[str, list[Doc]] = field(default_factory=dict)  # per initiative: what it asks
    incoming: dict[str, list[Doc]] = field(default_factory=dict)  # per initiative: requests naming it
    asked_of_team: dict[str, list[Doc]] = field(default_factory=dict)  # per team: what it is asked


def group(dependencies: Iterable[Doc], initiative_ids: Iterable[str]) -> Grouped:
    """The quarter's dependency views (with ``overdue``), by who asks and who is asked."""
    ids = set(initiative_ids)
    grouped = Grouped()
    for dep in dependencies:
        if dep["initiative_id"] in ids:
            grouped.outgoing.setdefault(dep["initiative_id"], []).append(dep)
            grouped.asked_of_team.setdefault(dep["on_team_id"], []).append(dep)
        if dep.get("on_initiative_id") in ids:
            grouped.incoming.setdefault(dep["on_initiative_id"], []).append(dep)
    return grouped


def counts(initiatives: Iterable[Doc], grouped: Grouped) -> dict[str, Any]:
    """Initiatives per status; open, declined and overdue requests the quarter's initiatives made."""
    by_status: dict[str, int] = {}
    for doc in initiatives:
        by_status[doc["status"]] = by_status.get(doc["status"], 0) + 1
    asked = [dep for deps in grouped.outgoing.values() for dep in deps]
    return {
        "initiatives_by_status": by_status,
        "open_dependencies": sum(1 for d in asked if d["state"] == DependencyState.open.value),
        "declined_dependencies": sum(1 for d in asked if d["state"] == DependencyState.declined.value),
        "overdue_dependencies": sum(1 for d in asked if d["overdue"]),
    }
