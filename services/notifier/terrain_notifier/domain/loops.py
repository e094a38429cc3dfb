"""Closing the loop: who reported the feedback behind a shipped initiative, and what each loop became.

The definition (served by ``GET /v1/loop-closure``) is :data:`LOOP_CLOSURE_DEFINITION`.
"""

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .deliveries import DELIVERED, PENDING, SENDING
from .followups import Follower, Step

LOOP_CLOSURE_DEFINITION = (
    "Every feedback item linked to a shipped initiative is one loop. A loop is *closed* once its reporter "
    "has been told (their message delivered); it is *not closed* when the reporter has no email, cannot be "
    "told (a customer outside the help desk), did not opt into shipped messages, the feedback is unknown or "
    "erased, or the message finally failed. Loops still in flight count in "
    "neither. The loop-closure rate of a team (the initiative's owner team) or of a reporter is "
    "closed / (closed + not closed)."
)

CLOSED, NOT_CLOSED = "closed", "not_closed"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")


@dataclass
class ReporterLoops:
    follower: Follower
    feedback_ids: list[str] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def email(self) -> str:
        return self.follower.email

    @property
    def name(self) -> str:
        return self.follower.name


@dataclass
class Grouped:
    by_reporter: dict[str, ReporterLoops] = field(default_factory=dict)  # keyed by lower-cased email
    # (feedback_id, reporter key, reason)
    not_closed: list[tuple[str, str, str]] = field(default_factory=list)

    def wanting(self, step: Step, chosen: Mapping[str, Sequence[str] | None]) -> "Grouped":
        """Only the reporters who want to hear of ``step`` (``chosen``: saved opt-ins by preference id);
        the others' items join ``not_closed``."""
        kept = Grouped(not_closed=list(self.not_closed))
        for key, loops in self.by_reporter.items():
            saved = next((chosen[i] for i in loops.follower.preference_ids if i in chosen), None)
            if step in loops.follower.steps(saved):
                kept.by_reporter[key] = loops
            else:
                reason = f"reporter did not opt into {step.value} messages"
                kept.not_closed += [(fid, key, reason) for fid in loops.feedback_ids]
        return kept


def group_by_reporter(
    feedback_ids: Sequence[str],
    reporters: Mapping[str, Mapping[str, Any]],
    follower: Callable[[Mapping[str, Any]], Follower | str],
) -> Grouped:
    """One message per reporter email, listing each of their items' original text once; ``follower``
    says who each reporter is to us (staff or the customer), or why they cannot be told."""
    grouped = Grouped()
    for feedback_id in dict.fromkeys(feedback_ids):
        known = reporters.get(feedback_id)
        if known is None:
            grouped.not_closed.append((feedback_id, "unknown", "feedback unknown to the notifier"))
            continue
        if known.get("erased"):
            grouped.not_closed.append((feedback_id, "erased", "feedback erased"))
            continue
        who = follower(known)
        if isinstance(who, str):
            key = known["email"].lower() if known.get("email") else f"name:{known['name']}"
            grouped.not_closed.append((feedback_id, key, who))
            continue
        loops = grouped.by_reporter.setdefault(who.key, ReporterLoops(who))
        loops.feedback_ids.append(feedback_id)
        loops.texts.append(
            {"feedback_id": feedback_id, "text": known["text"], "account": known.get("account_name")}
        )
    return grouped


def rate(closed: int, not_closed: int) -> float | None:
    settled = closed + not_closed
    return closed / settled if settled else None


def reporter_id(email: str) -> str:
    """The reporter's email as a contract Id when it fits one, else a stable stand-in."""
    return (
        email if _ID.match(email) else "reporter-" + hashlib.sha256(email.lower().encode()).hexdigest()[:24]
    )


def message_status(message: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """A loop's status from its reporter's message: one already settled (an earlier shipped event told
    this reporter about this initiative) settles the new items too."""
    if message is None or message["status"] in (PENDING, SENDING):
        return PENDING, None
    if message["status"] == DELIVERED:
        return CLOSED, "reporter already told about this initiative"
    return NOT_CLOSED, f"message failed: {message.get('last_error')}"


@dataclass(frozen=True)
class Shipped:
    """The initiative whose loops these are."""

    initiative_id: str
    owner_team_id: str
    at: datetime

    def loop(self, feedback_id: str, reporter_key: str, status: str, reason: str | None) -> dict[str, Any]:
        return {
            "_id": f"{self.initiative_id}:{feedback_id}",
            "initiative_id": self.initiative_id,
            "owner_team_id": self.owner_team_id,
            "created_at": self.at,
            "feedback_id": feedback_id,
            "reporter_key": reporter_key,
            "reporter_email": None,
            "status": status,
            "reason": reason,
            "notification_id": None,
            "settled_at": self.at if status != PENDING else None,
        }

    def unreachable(self, grouped: Grouped) -> list[dict[str, Any]]:
        """The loops nobody can be told about: closed never."""
        return [self.loop(fid, key, NOT_CLOSED, reason) for fid, key, reason in grouped.not_closed]

    def of_reporter(
        self, key: str, reporter: ReporterLoops, notification_id: str, status: str, reason: str | None
    ) -> list[dict[str, Any]]:
        """One loop per feedback item of a reporter, all carried by their one message."""
        return [
            {
                **self.loop(fid, key, status, reason),
                "reporter_email": reporter.email,
                "notification_id": notification_id,
            }
            for fid in reporter.feedback_ids
        ]
