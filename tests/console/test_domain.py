"""The console's pure rules: forms to bodies, 422 answers to fields, throttling, links."""

from datetime import date

import pytest
from terrain_console.domain import forms, pages, reps, signin
from terrain_console.http.signin import _safe_next

pytestmark = pytest.mark.unit


def test_a_service_error_lands_beside_the_form_field_it_names():
    errors = [
        {"field": "body.quarter", "message": "String should match pattern"},
        {"field": "success_metric.target", "message": "too long"},
        {"field": "version", "message": "stale"},
    ]
    by_field, elsewhere = forms.field_messages(errors, {f.name for f in forms.BRIEFING})
    assert by_field == {"quarter": "String should match pattern", "metric_target": "too long"}
    assert elsewhere == ["version: stale"]


def test_a_briefing_form_becomes_the_json_the_service_judges():
    body = forms.briefing_body({"title": "T", "themes": " a, b ,", "product_area": " ", "metric_name": "NPS"})
    assert body["themes"] == ["a", "b"] and body["product_area"] is None
    assert body["success_metric"] == {"kind": "", "name": "NPS", "target": ""}
    assert forms.changed_fields(body, {**body, "title": "Old"}) == {"title": "T"}


def test_the_account_limit_comes_before_the_client_limit():
    assert signin.throttled(4, 19, (5, 20), 15) is None
    assert "this account" in (signin.throttled(5, 0, (5, 20), 15) or "")
    assert "your address" in (signin.throttled(0, 20, (5, 20), 15) or "")


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil", None, ""])
def test_only_local_paths_are_followed_after_sign_in(target):
    assert _safe_next(target) == "/inbox"


def test_quorum_progress_and_links_keep_filters():
    assert pages.quorum_progress(1, 2) == {"voters": 1, "quorum": 2, "percent": 50, "met": False}
    assert pages.query({"q": "sso", "kind": None}, cursor="c1") == "?q=sso&cursor=c1"


def test_kpi_figures_read_as_count_of_all():
    assert reps.ratio({"count": 3, "of": 4, "share": 0.75}) == "3 of 4 (75%)"
    assert reps.ratio({"count": 0, "of": 0, "share": None}) == "0 of 0"
    assert reps.hours(None) == "-" and reps.hours(2.25) == "2.2 h"
    assert reps.quarter_choices(date(2027, 1, 5), around=1) == ["2026-Q4", "2027-Q1", "2027-Q2"]


def test_logged_feedback_sends_what_was_typed_and_a_search_keeps_matching_accounts():
    assert reps.logged_body({"account_id": "acc-1", "text": " ", "initiative_id": ""}) == {
        "account_id": "acc-1",
        "text": " ",
    }
    accounts = [{"account_id": "acc-1", "name": "Nordwind Logistik", "domains": ["nordwind.example"]}]
    assert reps.matching_accounts(accounts, "NORDWIND log") == accounts
    assert reps.matching_accounts(accounts, "lumen") == []
    assert reps.form_key() != reps.form_key()
