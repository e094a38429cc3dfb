"""De-duplication, timing (now, quiet hours, digests, throttle) and backoff as pure functions."""

import random
from datetime import UTC, datetime, time

import pytest
from terrain_contracts.events.insight import InsightStatus, Severity
from terrain_notifier.domain.members import DigestMode, Preferences, QuietHours
from terrain_notifier.domain.policies import Situation, Timing, backoff, decide, digest_due, plan_push

from .factories import insight

pytestmark = pytest.mark.unit

UTC = UTC


def seen(severity=Severity.warning, version=1, status=InsightStatus.open, insight_id="ins-1") -> Situation:
    return Situation(insight_id, version, status, severity)


@pytest.mark.parametrize(
    ("previous", "update", "notify"),
    [
        (None, insight(), True),
        (seen(), insight(version=2), False),
        (seen(), insight("ins-2"), False),  # a new insight id, the same ongoing situation
        (seen(), insight(version=2, severity=Severity.critical), True),
        (seen(Severity.critical), insight(version=2, severity=Severity.warning), False),
        (seen(version=3), insight(version=2, severity=Severity.critical), False),  # stale
        (seen(status=InsightStatus.resolved), insight("ins-2"), True),  # it came back: a new situation
        (None, insight(status=InsightStatus.acknowledged), False),
    ],
)
def test_a_situation_is_notified_once_unless_its_severity_rises(previous, update, notify):
    assert decide(previous, update).notify is notify


def test_a_stale_version_is_recognised_as_such():
    assert decide(seen(version=3), insight(version=3)).stale


def prefs(**kwargs) -> Preferences:
    return Preferences(**kwargs)


def test_without_preferences_a_push_goes_now():
    plan = plan_push(prefs(), Severity.warning, 0, 20, datetime(2026, 1, 5, 12, tzinfo=UTC), 9)
    assert plan.timing is Timing.now


def test_quiet_hours_across_midnight_in_the_member_s_zone_hold_until_they_end():
    paris = prefs(timezone="Europe/Paris", quiet_hours=QuietHours(start=time(22), end=time(7)))
    plan = plan_push(
        paris, Severity.critical, 0, 20, datetime(2026, 1, 5, 22, 30, tzinfo=UTC), 9
    )  # 23:30 Paris
    assert plan.timing is Timing.held
    assert plan.at == datetime(2026, 1, 6, 6, 0, tzinfo=UTC)  # 07:00 Paris
    assert (
        plan_push(paris, Severity.info, 0, 20, datetime(2026, 1, 5, 12, tzinfo=UTC), 9).timing is Timing.now
    )


def test_a_digest_member_gets_non_critical_insights_at_the_end_of_the_window():
    hourly = prefs(digest=DigestMode.hourly)
    plan = plan_push(hourly, Severity.warning, 0, 20, datetime(2026, 1, 5, 10, 17, tzinfo=UTC), 9)
    assert (plan.timing, plan.at) == (Timing.digest, datetime(2026, 1, 5, 11, tzinfo=UTC))
    assert (
        plan_push(hourly, Severity.critical, 0, 20, datetime(2026, 1, 5, 10, 17, tzinfo=UTC), 9).timing
        is Timing.now
    )


def test_a_daily_digest_comes_at_the_local_hour_and_after_quiet_hours():
    tokyo = prefs(digest=DigestMode.daily, timezone="Asia/Tokyo")
    assert digest_due(tokyo, datetime(2026, 1, 5, 1, tzinfo=UTC), 9) == datetime(2026, 1, 6, 0, tzinfo=UTC)
    sleepy = prefs(digest=DigestMode.daily, quiet_hours=QuietHours(start=time(8), end=time(10)))
    assert digest_due(sleepy, datetime(2026, 1, 5, 12, tzinfo=UTC), 9) == datetime(2026, 1, 6, 10, tzinfo=UTC)


def test_past_the_throttle_non_critical_insights_fold_into_an_hourly_digest():
    plan = plan_push(prefs(), Severity.warning, 20, 20, datetime(2026, 1, 5, 10, 17, tzinfo=UTC), 9)
    assert plan.timing is Timing.digest and "throttled" in plan.why
    assert (
        plan_push(prefs(), Severity.critical, 20, 20, datetime(2026, 1, 5, 10, 17, tzinfo=UTC), 9).timing
        is Timing.now
    )


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap():
    rng = random.Random(7)
    delays = [backoff(attempt, 2.0, 60.0, rng) for attempt in range(1, 8)]
    assert 1.0 <= delays[0] <= 2.0 and 4.0 <= delays[2] <= 8.0
    assert all(30.0 <= d <= 60.0 for d in delays[5:])
    assert len({backoff(3, 2.0, 60.0, rng) for _ in range(20)}) > 1  # jittered
