"""Signing in over HTTP against the console of the local stack: throttling, CSRF, cookies, redirects."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from terrain_dev.demo import org

pytestmark = pytest.mark.e2e


def form_token(client: httpx.Client, path: str = "/sign-in") -> str:
    page = client.get(path)
    return re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)


@contextmanager
def signed_in(world, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.console) as client:
        token = form_token(client)
        answer = client.post(
            "/sign-in", data={"email": email, "password": world.password, "form_token": token}
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/inbox").text).group(1)


def test_five_failures_lock_the_account_for_the_window_with_a_clear_message(world):
    with httpx.Client(base_url=world.console) as client:
        token = form_token(client)
        attempt = {"email": org.TOM.email, "password": "not it", "form_token": token}
        for _ in range(5):
            assert client.post("/sign-in", data=attempt).status_code == 401
        locked = client.post("/sign-in", data={**attempt, "password": world.password})
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account: 5 in the last 15 minutes" in locked.text


def test_the_session_cookie_is_http_only_and_same_site_lax(world):
    with httpx.Client(base_url=world.console) as client:
        token = form_token(client)
        answer = client.post(
            "/sign-in", data={"email": org.HUGO.email, "password": world.password, "form_token": token}
        )
    cookie = answer.headers["set-cookie"]
    assert "terrain_console_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_sign_in_form_not_served_by_the_console_is_refused(world):
    with httpx.Client(base_url=world.console) as client:
        answer = client.post("/sign-in", data={"email": org.HUGO.email, "password": world.password})
    assert answer.status_code == 403
    assert "The form expired" in answer.text


def test_a_form_without_the_session_csrf_token_does_nothing(world):
    with signed_in(world, org.HUGO.email) as client:
        assert client.post("/sign-out", data={"csrf": "forged"}).status_code == 403
        assert client.get("/inbox").status_code == 200  # still signed in
        assert client.post("/sign-out", data={"csrf": csrf_of(client)}).status_code == 303
        assert client.get("/inbox").headers["location"].startswith("/sign-in")


def test_sign_in_never_redirects_off_site(world):
    with httpx.Client(base_url=world.console) as client:
        token = form_token(client)
        answer = client.post(
            "/sign-in",
            data={
                "email": org.HUGO.email,
                "password": world.password,
                "form_token": token,
                "next": "//evil.example",
            },
        )
    assert answer.headers["location"] == "/inbox"


def test_bad_filter_values_are_named_beside_their_field_not_a_500(world):
    with signed_in(world, org.HUGO.email) as client:
        page = client.get("/feedback", params={"since": "yesterday", "source": "Not A Slug"})
    assert page.status_code == 200
    assert 'id="e-since"' in page.text and "Use a date such as" in page.text


def test_health_readiness_and_page_latency_metrics(world):
    with httpx.Client(base_url=world.console) as client:
        assert client.get("/healthz").json()["service"] == "console"
        assert client.get("/readyz").status_code == 200
        client.get("/sign-in")
        assert 'console_page_seconds_count{method="GET",page="/sign-in"' in client.get("/metrics").text


def spans(stack, process: str) -> list[dict]:
    lines = (stack.config.root / f"spans-{process}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_page_trace_continues_into_the_service_it_calls(stack, world):
    with signed_in(world, org.HUGO.email) as client:
        assert client.get("/initiatives").status_code == 200
    calls = [s for s in spans(stack, "console") if s["kind"] == "CLIENT" and s["name"] == "GET initiatives"]
    assert calls
    served = {(s["trace_id"], s["parent_id"]) for s in spans(stack, "initiatives") if s["kind"] == "SERVER"}
    assert any((call["trace_id"], call["span_id"]) in served for call in calls)


def test_pages_may_not_be_framed_nor_run_scripts(world):
    with httpx.Client(base_url=world.console) as client:
        headers = client.get("/sign-in").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_an_account_of_no_team_has_an_empty_inbox_not_a_refusal(world):
    with signed_in(world, "admin@terrain-demo.io") as client:
        page = client.get("/inbox")
    assert page.status_code == 200
    assert "not linked to a team member" in page.text
