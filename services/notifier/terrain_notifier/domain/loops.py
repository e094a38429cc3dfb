"""Closing the loop: who reported the feedback behind a shipped initiative.

Every feedback item linked to a shipped initiative is one loop. A loop is
*closed* once its reporter has been told (their message delivered); it is
*not closed* when the reporter has no email, the feedback is unknown or
erased, or the message finally failed. Loops still in flight count in
neither. The loop-closure rate of a team (the initiative's owner team) or of
a reporter is closed / (closed + not closed).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReporterLoops:
    email: str
    name: str
    feedback_ids: list[str] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Grouped:
    by_reporter: dict[str, ReporterLoops] = field(default_factory=dict)  # keyed by lower-cased email
    not_closed: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (feedback_id, reporter key, reason)


def group_by_reporter(feedback_ids: Sequence[str], reporters: Mapping[str, Mapping[str, Any]]) -> Grouped:
    """One message per reporter email, listing each of their items' original text once."""
    grouped = Grouped()
    for feedback_id in dict.fromkeys(feedback_ids):
        known = reporters.get(feedback_id)
        if known is None:
            grouped.not_closed.append((feedback_id, "unknown", "feedback unknown to the notifier"))
            continue
        if known.get("erased"):
            grouped.not_closed.append((feedback_id, "erased", "feedback erased"))
            continue
        email = known.get("email")
        if not email:
            grouped.not_closed.append((feedback_id, f"name:{known['name']}", "reporter has no email"))
            continue
        loops = grouped.by_reporter.setdefault(email.lower(), ReporterLoops(email, known["name"]))
        loops.feedback_ids.append(feedback_id)
        loops.texts.append(
            {"feedback_id": feedback_id, "text": known["text"], "account": known.get("account_name")}
        )
    return grouped


def rate(closed: int, not_closed: int) -> float | None:
    settled = closed + not_closed
    return closed / settled if settled else None
