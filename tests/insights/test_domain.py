"""Pure rules: the spike test, aggregate operations, insight revisions, taxonomy edits."""

from datetime import UTC, date, datetime

import pytest
from terrain_contracts.events.insight import InsightKind, Severity
from terrain_insights.domain import detectors
from terrain_insights.domain.aggregates import Account, Ops, contribution, demand
from terrain_insights.domain.classify import Classification, ThemeMatch
from terrain_insights.domain.insights import Draft, new_insight, revised
from terrain_insights.domain.taxonomy import Taxonomy, Theme
from terrain_insights.domain.windows import ThemeWindow
from terrain_insights.settings import DetectorSettings

pytestmark = pytest.mark.unit

SETTINGS = DetectorSettings()
AT = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)


def test_one_then_three_items_is_not_a_spike():
    # One item in the previous window's worth of baseline (an hourly rate of 1), three now.
    assert not detectors.spike(3, baseline_items=7 * 24, settings=SETTINGS).is_spike
    assert not detectors.spike(3, baseline_items=0, settings=SETTINGS).is_spike


def test_a_burst_well_above_the_baseline_is_a_spike_and_a_busy_theme_needs_more():
    assert detectors.spike(6, baseline_items=0, settings=SETTINGS).is_spike
    busy = 7 * 24 * 3  # three items an hour, every hour, for a week
    assert not detectors.spike(9, baseline_items=busy, settings=SETTINGS).is_spike
    assert detectors.spike(30, baseline_items=busy, settings=SETTINGS).is_spike


def test_the_poisson_tail_is_exact_on_small_counts():
    assert detectors.poisson_tail(0, 2.0) == 1.0
    assert detectors.poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, abs=1e-9)
    assert detectors.poisson_tail(5, 0.5) == pytest.approx(0.000172, abs=1e-6)


def test_an_ongoing_spike_updates_only_when_it_grew_markedly():
    assert not detectors.spike_grew(8, 9, SETTINGS)
    assert detectors.spike_grew(8, 10, SETTINGS)


def test_churn_risk_needs_negative_feedback_and_high_arr_or_a_near_renewal():
    today = date(2026, 11, 21)
    assert detectors.churn_risk(True, 10_000_000, None, today, SETTINGS) == (True, False)
    assert detectors.churn_risk(True, 100, date(2026, 12, 1), today, SETTINGS) == (False, True)
    assert detectors.churn_risk(False, 10_000_000, date(2026, 12, 1), today, SETTINGS) == (False, False)


def test_an_initiative_covers_its_themes_or_its_whole_area_when_it_names_none():
    assert detectors.covers({"themes": ["sso"], "product_area": "identity"}, "sso", "identity")
    assert not detectors.covers({"themes": ["sso"], "product_area": "identity"}, "permissions", "identity")
    assert detectors.covers({"themes": [], "product_area": "identity"}, "permissions", "identity")


def classified(*themes: str) -> Classification:
    from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel

    return Classification(
        1, [ThemeMatch(t, "area", 0.5) for t in themes], FeedbackCategory.bug, SentimentLabel.negative, -0.5
    )


def test_taking_back_a_contribution_cancels_it_exactly():
    account = Account("acme.io", 100_000, "EUR", "smb")
    ops = Ops()
    ops.add(contribution(classified("sso"), AT, account), +1, "f1")
    ops.add(contribution(classified("sso"), AT, account), -1)
    assert ops.membership_changes() == ({}, {})
    assert ops.bucket_updates([], [], AT) == []


def test_an_item_counts_in_its_theme_and_area_per_hour_and_day_and_its_account_in_the_theme_day():
    ops = Ops()
    ops.add(
        contribution(classified("sso", "permissions"), AT, Account("acme.io", 100_000, "EUR", "smb")),
        +1,
        "f1",
    )
    updates = dict(ops.bucket_updates([], [], AT))
    assert set(updates) == {
        "theme:sso:hour:2026-11-21T14",
        "theme:sso:day:2026-11-21T00",
        "theme:permissions:hour:2026-11-21T14",
        "theme:permissions:day:2026-11-21T00",
        "area:area:hour:2026-11-21T14",
        "area:area:day:2026-11-21T00",
    }
    assert updates["area:area:day:2026-11-21T00"]["$inc"]["items"] == 1  # the area counts the item once
    gaining, losing = ops.membership_changes()
    assert set(gaining) == {
        "theme:sso:day:2026-11-21T00|acme.io",
        "theme:permissions:day:2026-11-21T00|acme.io",
    }
    assert losing == {}
    assert gaining["theme:sso:day:2026-11-21T00|acme.io"].feedback_id == "f1"
    # Only theme-day buckets are stamped for the unowned-demand detector.
    assert {i for i, u in updates.items() if "$max" in u} == {
        "theme:sso:day:2026-11-21T00",
        "theme:permissions:day:2026-11-21T00",
    }


def test_buckets_count_an_account_and_its_arr_only_when_it_appears_or_disappears():
    ops = Ops()
    for n in range(3):  # three items of one account in one bucket
        ops.add(contribution(classified("sso"), AT, Account("acme", 100_000, "EUR", "smb")), +1, f"f{n}")
    [member] = ops.membership_changes()[0].values()
    assert member.delta == 3
    day = "theme:sso:day:2026-11-21T00"
    assert "unique_accounts" not in dict(ops.bucket_updates([], [], AT))[day]["$inc"]  # already a member
    appeared = dict(ops.bucket_updates([member], [], AT))[day]["$inc"]
    assert (appeared["items"], appeared["unique_accounts"], appeared["arr.EUR"]) == (3, 1, 100_000)
    gone = Ops()
    gone.add(contribution(classified("sso"), AT, Account("acme", 999, "EUR", "smb")), -1)
    [leaving] = gone.membership_changes()[1].values()
    leaving.arr, leaving.currency = 100_000, "EUR"  # what the bucket counted, as read from the membership
    left = dict(gone.bucket_updates([], [leaving], AT))[day]["$inc"]
    assert (left["items"], left["unique_accounts"], left["arr.EUR"]) == (-1, -1, -100_000)


def test_demand_counts_accounts_once_and_sums_their_arr_by_currency():
    day1, day2 = datetime(2026, 11, 20, tzinfo=UTC), AT
    buckets = [{"items": 3, "sentiment_sum": -1.0}, {"items": 1, "sentiment_sum": 0.5}]
    members = [
        {
            "account": "a",
            "n": 1,
            "arr": 120,
            "currency": "EUR",
            "segment": "smb",
            "start": day2,
            "feedback_id": "f4",
        },
        {
            "account": "a",
            "n": 2,
            "arr": 100,
            "currency": "EUR",
            "segment": "smb",
            "start": day1,
            "feedback_id": "f2",
        },
        {
            "account": "b",
            "n": 1,
            "arr": 50,
            "currency": "USD",
            "segment": "enterprise",
            "start": day1,
            "feedback_id": "f3",
        },
    ]
    found = demand("sso", buckets, members)
    assert (found.items, found.unique_accounts, found.arr_by_currency) == (4, 2, {"EUR": 120, "USD": 50})
    assert found.evidence(10) == ["f4", "f3"]  # the latest item of each account, latest accounts first
    assert demand("sso", buckets, members, segment="smb").items == 3


def test_unowned_demand_updates_at_steps_of_accounts_not_at_every_account():
    steps = [detectors.demand_step(n) for n in (0, 1, 2, 3, 4, 5, 9, 10, 19, 20, 50, 99, 100, 200, 500, 1000)]
    assert steps == [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 7, 8, 9, 10, 11]


def test_a_revision_keeps_the_identity_and_counts_the_version():
    draft = Draft(
        "spike:sso",
        InsightKind.spike,
        Severity.warning,
        "t",
        "s",
        "spike:sso:1",
        theme="sso",
        evidence=["f1"],
        metrics={"items": 5},
    )
    first = new_insight("ins-1", draft, AT)
    draft.metrics = {"items": 8}
    draft.evidence = ["f2"]
    second, changed = revised(first, draft, AT)
    assert (second.insight_id, second.dedup_key, second.version) == ("ins-1", "spike:sso:1", 2)
    assert second.evidence_feedback_ids == ["f1", "f2"]
    assert set(changed) == {"metrics", "evidence_feedback_ids"}


def test_taxonomy_edits_make_copies_and_slugs_stay_unique():
    taxonomy = Taxonomy()
    edited = taxonomy.with_theme(
        "platform", Theme(slug="dark-mode", name="Dark mode", examples=["dark mode"])
    )
    assert taxonomy.themes == [] and edited.area_of("dark-mode") == "platform"
    assert edited.without_theme("dark-mode").themes == []
    with pytest.raises(ValueError, match="theme slugs repeat"):
        Taxonomy.model_validate(
            {
                "areas": [
                    {"slug": "a", "name": "A", "themes": [{"slug": "x", "name": "X", "examples": ["e"]}]},
                    {"slug": "b", "name": "B", "themes": [{"slug": "x", "name": "X", "examples": ["e"]}]},
                ]
            }
        )


def member(account: str, day: datetime, n: int = 1, segment: str = "smb", arr: int = 100) -> dict:
    return {
        "account": account,
        "start": day,
        "n": n,
        "segment": segment,
        "arr": arr,
        "currency": "EUR",
        "feedback_id": f"{account}-{day.day}",
    }


def test_a_demand_window_merges_the_days_that_changed_and_counts_each_account_once():
    monday, tuesday = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC)
    window = ThemeWindow()
    assert window.merge(monday, 1, [member("a", monday, 2), member("b", monday, segment="enterprise")])
    assert window.merge(tuesday, 1, [member("a", tuesday, arr=300)])
    buckets = [{"start": monday, "writes": 1, "items": 3}, {"start": tuesday, "writes": 2, "items": 1}]
    assert window.stale(buckets) == [tuesday]  # written again since it was read

    assert window.merge(tuesday, 2, [member("a", tuesday, arr=300), member("c", tuesday)])
    found = window.demand("sso", buckets)
    assert (found.items, found.unique_accounts, found.arr_by_currency) == (4, 3, {"EUR": 500})
    assert found.evidence(10)[0] in {"a-17", "c-17"}
    assert window.demand("sso", buckets, segment="smb").items == 4  # a: 2 + 1, c: 1
    assert window.segments() == {"smb", "enterprise"}

    window.evict(tuesday)  # monday slid out of the window
    assert set(window.accounts) == {"a", "c"} and list(window.days) == [tuesday]


def test_a_day_losing_the_latest_item_of_an_account_asks_for_a_full_read():
    monday, tuesday = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC)
    window = ThemeWindow()
    window.merge(monday, 1, [member("a", monday)])
    window.merge(tuesday, 1, [member("a", tuesday), member("b", tuesday)])
    assert window.merge(monday, 2, [])  # a's latest day is tuesday: losing monday changes nothing
    assert not window.merge(tuesday, 2, [member("b", tuesday)])  # a's previous day is not known here
