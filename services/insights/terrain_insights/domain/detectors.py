"""Detector rules: when a situation deserves an insight. Pure functions of counts and thresholds."""

import math
from dataclasses import dataclass
from datetime import date

from ..settings import DetectorSettings


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    if count <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for k in range(1, count):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class SpikeVerdict:
    count: int
    expected: float
    p_value: float
    ratio: float
    is_spike: bool


def spike(window_count: int, baseline_items: int, settings: DetectorSettings) -> SpikeVerdict:
    """Is ``window_count`` items over the window well above the theme's own baseline?

    The baseline is the theme's items over the previous ``spike_baseline_days`` days, as an hourly rate
    (never below a floor, so a theme with no history needs ``spike_min_count`` items at once).
    """
    hourly = max(baseline_items / (settings.spike_baseline_days * 24), settings.spike_floor_per_hour)
    expected = hourly * settings.spike_window_hours
    p_value = poisson_tail(window_count, expected)
    ratio = window_count / expected
    is_spike = (
        window_count >= settings.spike_min_count
        and p_value < settings.spike_alpha
        and ratio >= settings.spike_min_ratio
    )
    return SpikeVerdict(window_count, round(expected, 3), p_value, round(ratio, 2), is_spike)


def spike_grew(previous_count: int, count: int, settings: DetectorSettings) -> bool:
    """An ongoing spike is worth an update when its count grew markedly since the last one reported."""
    return count > previous_count and count >= previous_count * (1 + settings.spike_update_growth)


def churn_risk(
    negative: bool, arr_minor: int | None, renewal: date | None, today: date, settings: DetectorSettings
) -> tuple[bool, bool]:
    """(high ARR, renewing soon) when the feedback is negative; neither otherwise."""
    if not negative:
        return False, False
    high_arr = arr_minor is not None and arr_minor >= settings.churn_min_arr_minor
    renewing = renewal is not None and 0 <= (renewal - today).days <= settings.churn_renewal_days
    return high_arr, renewing


def unowned_demand(unique_accounts: int, arr_minor: int, settings: DetectorSettings) -> bool:
    return unique_accounts >= settings.unowned_min_accounts or (
        settings.unowned_min_arr_minor > 0 and arr_minor >= settings.unowned_min_arr_minor
    )


def demand_step(accounts: int) -> int:
    """How many steps of 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, ... ``accounts`` has reached.

    An unowned-demand insight is updated when the accounts asking cross a step, not for every new account:
    each of the first few accounts matters, the 51st much less."""
    step = sum(1 for value in (1, 2, 3, 5) if accounts >= value)
    scale = 10
    while accounts >= scale:
        step += sum(1 for factor in (1, 2, 5) if accounts >= factor * scale)
        scale *= 10
    return step


def covers(initiative: dict, theme: str, area: str | None) -> bool:
    """An initiative covers the themes it names; one naming none covers its whole product area."""
    themes = initiative.get("themes") or []
    if themes:
        return theme in themes
    return area is not None and initiative.get("product_area") == area


ACTIVE_STATUSES = ("committed", "in_progress")
