"""How much the fuzz tests try: bounded in the suite, longer on request.

    TERRAIN_FUZZ_SCALE=20 ./terrain test -k fuzz      # twenty times the examples of the suite run

Every fuzz test states its suite budget with :func:`budget`; the scale
multiplies it. Hypothesis' example database stays off, so a run depends on
its seed only (``--hypothesis-seed`` reproduces one).
"""

import os

from hypothesis import HealthCheck, settings

SCALE_VARIABLE = "TERRAIN_FUZZ_SCALE"


def scale() -> float:
    raw = os.environ.get(SCALE_VARIABLE, "1")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{SCALE_VARIABLE} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{SCALE_VARIABLE} must be positive, got {raw!r}")
    return value


def examples(suite: int) -> int:
    """The number of examples for a test that tries ``suite`` examples in the suite run."""
    return max(1, round(suite * scale()))


def budget(suite: int) -> settings:
    """Hypothesis settings for a fuzz test: ``suite`` examples times the scale, no deadline (shared CI
    machines), no example database, and fixtures that outlive one example are intended."""
    return settings(max_examples=examples(suite), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])
