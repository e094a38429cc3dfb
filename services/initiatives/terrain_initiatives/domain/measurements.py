"""A briefing's success metric measured over time: checks of its numbers and the progress they show."""

from datetime import datetime
from typing import Any

from terrain_kit.errors import Invalid


def check_metric(metric: dict[str, Any] | None, field: str = "success_metric") -> None:
    """Baseline and target go together and differ: progress divides by their difference."""
    if not metric:
        return
    baseline, target = metric.get("baseline"), metric.get("target_value")
    if (baseline is None) != (target is None):
        missing = "baseline" if baseline is None else "target_value"
        raise Invalid(f"{field}.{missing}", "baseline and target_value are given together")
    if baseline is not None and baseline == target:
        raise Invalid(
            f"{field}.target_value", "must differ from the baseline: progress is measured between them"
        )


def progress(metric: dict[str, Any] | None, latest: float | None) -> float | None:
    """(latest - baseline) / (target - baseline): 0 at the baseline, 1 on target, above 1 beyond it,
    negative when the metric moved the wrong way. None without a measurement or without both ends."""
    if not metric or latest is None:
        return None
    baseline, target = metric.get("baseline"), metric.get("target_value")
    if baseline is None or target is None or baseline == target:
        return None
    return round((latest - baseline) / (target - baseline), 4)


def check_measured_at(at: datetime, now: datetime) -> None:
    if at > now:
        raise Invalid("at", f"{at.isoformat()} is in the future: record what was measured")


def is_latest(at: datetime, held: dict[str, Any] | None) -> bool:
    """A measurement is the latest unless one measured later is held (ties: the one recorded last)."""
    return held is None or at >= held["at"]
