"""Policies: de-duplication, throttling, digests, quiet hours, retry backoff.

De-duplication is by the insight's dedup_key. The first notification of a
situation goes out; updates of the same situation notify nobody again unless
the severity rises above the highest already notified. Stale versions are
ignored. A situation that was resolved and is detected again is a new one.
Acknowledged or resolved situations notify nobody and cancel escalations.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from terrain_contracts.events.insight import Insight, InsightStatus, Severity

from .members import DigestMode, Preferences
from .rules import SEVERITY_RANK


@dataclass(frozen=True)
class Situation:
    """What the notifier remembers of one dedup_key."""

    insight_id: str
    version: int
    status: InsightStatus
    notified_severity: Severity | None


@dataclass(frozen=True)
class Decision:
    notify: bool
    reason: str
    stale: bool = False


def decide(previous: Situation | None, insight: Insight) -> Decision:
    if (
        previous is not None
        and previous.insight_id == insight.insight_id
        and insight.version <= previous.version
    ):
        return Decision(False, f"stale version {insight.version} (have {previous.version})", stale=True)
    if insight.status is not InsightStatus.open:
        return Decision(False, f"insight is {insight.status.value}")
    if previous is None or previous.notified_severity is None or previous.status is InsightStatus.resolved:
        return Decision(True, "new situation")
    if SEVERITY_RANK[insight.severity] > SEVERITY_RANK[previous.notified_severity]:
        return Decision(
            True, f"severity rose from {previous.notified_severity.value} to {insight.severity.value}"
        )
    return Decision(False, f"already notified for {insight.dedup_key} at {previous.notified_severity.value}")


class Timing(StrEnum):
    now = "now"
    held = "held"  # quiet hours: sent when they end
    digest = "digest"


@dataclass(frozen=True)
class Plan:
    timing: Timing
    at: datetime
    why: str


def plan_push(
    preferences: Preferences,
    severity: Severity,
    sent_in_window: int,
    throttle_max: int,
    now: datetime,
    daily_hour: int,
) -> Plan:
    """When a push notification (email, Slack, webhook) to a member goes out. The inbox is always at once."""
    urgent = severity is Severity.critical
    if not urgent and preferences.digest is not DigestMode.off:
        due = digest_due(preferences, now, daily_hour)
        return Plan(
            Timing.digest, due, f"{preferences.digest.value} digest at {due.isoformat(timespec='minutes')}"
        )
    if not urgent and sent_in_window >= throttle_max:
        due = digest_due(preferences.model_copy(update={"digest": DigestMode.hourly}), now, daily_hour)
        return Plan(
            Timing.digest,
            due,
            f"throttled ({sent_in_window} sent this window): folded into the "
            f"digest at {due.isoformat(timespec='minutes')}",
        )
    quiet_end = quiet_until(preferences, now)
    if quiet_end is not None:
        return Plan(
            Timing.held, quiet_end, f"quiet hours: held until {quiet_end.isoformat(timespec='minutes')}"
        )
    return Plan(Timing.now, now, "immediate" + (" (critical bypasses digest and throttle)" if urgent else ""))


def quiet_until(preferences: Preferences, now: datetime) -> datetime | None:
    if preferences.quiet_hours is None:
        return None
    ends = preferences.quiet_hours.end_after(now.astimezone(preferences.zone))
    return ends.astimezone(now.tzinfo) if ends is not None else None


def digest_due(preferences: Preferences, now: datetime, daily_hour: int) -> datetime:
    """The end of the digest window containing ``now``, pushed past quiet hours."""
    local = now.astimezone(preferences.zone)
    if preferences.digest is DigestMode.daily:
        due = local.replace(hour=daily_hour, minute=0, second=0, microsecond=0)
        if due <= local:
            due = (due + timedelta(days=1)).replace(hour=daily_hour)  # same wall-clock hour across DST
    else:
        due = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    due_utc = due.astimezone(now.tzinfo)
    quiet_end = quiet_until(preferences, due_utc)
    return quiet_end if quiet_end is not None else due_utc


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1``: exponential, at most ``cap``, with "equal jitter"
    (half fixed, half random) so that many failed deliveries do not come back all at once."""
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def escalation(level: int, now: datetime, minutes: float) -> dict[str, Any]:
    """An escalation step, due when nobody acknowledged within ``minutes``."""
    return {"level": level, "due_at": now + timedelta(minutes=minutes), "started_at": now}


def escalation_for(
    held: Mapping[str, Any] | None, severity: Severity, now: datetime, minutes: float
) -> dict[str, Any] | None:
    """A critical insight starts an escalation unless one is under way already; others keep what is held."""
    current = held.get("escalation") if held else None
    if severity is Severity.critical and current is None:
        return escalation(1, now, minutes)
    return current


def after_escalating(reached_level: int, now: datetime, minutes: float) -> dict[str, Any] | None:
    """What follows an escalation: from the backups (level 1) to Product Ops (level 2), then nothing."""
    return escalation(2, now, minutes) if reached_level == 1 else None


def throttle_window(now: datetime, minutes: int) -> tuple[datetime, timedelta]:
    """The fixed throttle window containing ``now``: its start and its length."""
    window = timedelta(minutes=minutes)
    seconds = window.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, now.tzinfo), window
