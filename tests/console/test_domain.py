"""The console's pure rules: forms to bodies, 422 answers to fields, throttling, links."""

import pytest
from terrain_console.domain import forms, pages, signin
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
