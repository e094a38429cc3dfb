"""Pure rules: the spike test, aggregate operations, insight revisions, taxonomy edits."""

from datetime import date, datetime, timezone

import pytest

from terrain_contracts.events.insight import InsightKind, Severity
from terrain_insights.classify import Classification, ThemeMatch
from terrain_insights.domain import detectors
from terrain_insights.domain.aggregates import Account, Ops, account_key, contribution, demand
from terrain_insights.domain.insights import Draft, new_insight, revised
from terrain_insights.settings import DetectorSettings
from terrain_insights.taxonomy import Taxonomy, Theme

pytestmark = pytest.mark.unit

SETTINGS = DetectorSettings()
AT = datetime(2026, 11, 21, 14, 30, tzinfo=timezone.utc)


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

    return Classification(1, [ThemeMatch(t, "area", 0.5) for t in themes], FeedbackCategory.bug,
                          SentimentLabel.negative, -0.5)


def test_taking_back_a_contribution_cancels_it_exactly():
    account = Account("acme.io", 100_000, "EUR", "smb")
    ops = Ops()
    ops.add(contribution(classified("sso"), AT, account), +1)
    ops.add(contribution(classified("sso"), AT, account), -1)
    assert ops.updates() == [(doc_id, update) for doc_id, update in ops.updates() if "$inc" not in update]
    assert all("$inc" not in update for _, update in ops.updates())


def test_an_item_counts_in_its_theme_and_area_per_hour_and_day_with_its_account():
    ops = Ops()
    ops.add(contribution(classified("sso", "permissions"), AT, Account("acme.io", 100_000, "EUR", "smb")), +1)
    ids = {doc_id for doc_id, _ in ops.updates()}
    assert ids == {"theme:sso:hour:2026-11-21T14", "theme:sso:day:2026-11-21T00", "theme:permissions:hour:2026-11-21T14",
                   "theme:permissions:day:2026-11-21T00", "area:area:hour:2026-11-21T14", "area:area:day:2026-11-21T00"}
    update = dict(ops.updates())["area:area:day:2026-11-21T00"]
    assert update["$inc"]["items"] == 1  # the area counts the item once, not once per theme
    assert update["$inc"][f"accounts.{account_key('acme.io')}.n"] == 1
    assert "." not in account_key("acme.io")


def test_demand_counts_accounts_once_and_sums_their_arr_by_currency():
    buckets = [{"items": 3, "accounts": {"a": {"n": 2, "arr": 100, "currency": "EUR", "segment": "smb"},
                                         "b": {"n": 1, "arr": 50, "currency": "USD", "segment": "enterprise"}}},
               {"items": 1, "accounts": {"a": {"n": 1, "arr": 120, "currency": "EUR", "segment": "smb"},
                                         "c": {"n": 0, "arr": 999, "currency": "EUR", "segment": "smb"}}}]
    found = demand("sso", buckets)
    assert (found.items, found.unique_accounts, found.arr_by_currency) == (4, 2, {"EUR": 120, "USD": 50})
    assert demand("sso", buckets, segment="smb").items == 3


def test_a_revision_keeps_the_identity_and_counts_the_version():
    draft = Draft("spike:sso", InsightKind.spike, Severity.warning, "t", "s", "spike:sso:1", theme="sso",
                  evidence=["f1"], metrics={"items": 5})
    first = new_insight("ins-1", draft, AT)
    draft.metrics = {"items": 8}
    draft.evidence = ["f2"]
    second, changed = revised(first, draft, AT)
    assert (second.insight_id, second.dedup_key, second.version) == ("ins-1", "spike:sso:1", 2)
    assert second.evidence_feedback_ids == ["f1", "f2"]
    assert set(changed) == {"metrics", "evidence_feedback_ids"}


def test_taxonomy_edits_make_copies_and_slugs_stay_unique():
    taxonomy = Taxonomy()
    edited = taxonomy.with_theme("platform", Theme(slug="dark-mode", name="Dark mode", examples=["dark mode"]))
    assert taxonomy.themes == [] and edited.area_of("dark-mode") == "platform"
    assert edited.without_theme("dark-mode").themes == []
    with pytest.raises(ValueError, match="theme slugs repeat"):
        Taxonomy.model_validate({"areas": [
            {"slug": "a", "name": "A", "themes": [{"slug": "x", "name": "X", "examples": ["e"]}]},
            {"slug": "b", "name": "B", "themes": [{"slug": "x", "name": "X", "examples": ["e"]}]}]})
