"""The HTTP API: rules as code (file, API), dry-run, preferences, subscriptions, inbox, roles."""

import pytest
from terrain_contracts.events.insight import InsightKind, Severity
from terrain_contracts.events.team import MemberRole
from terrain_dev.testing import running
from terrain_dev.waiting import eventually
from terrain_notifier.domain.rules import RulesError
from terrain_notifier.main import create

from .conftest import feed, put_current
from .factories import detected, insight, member, team, team_created

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RULES_YAML = f"""
product_ops_members: [ops-extra]
escalation_minutes: 15
endpoints:
  ops-hook: {{channel: webhook, url: "http://127.0.0.1:9/hook", secret: "{SECRET}"}}
routes:
  - name: churn-to-ops
    when: {{kinds: [churn_risk], min_severity: warning}}
    endpoints: [ops-hook]
    members: [dir-dan]
"""


async def test_rules_with_mistakes_are_refused_naming_each_field(notifier):
    response = await put_current(
        notifier.http,
        "/v1/rules",
        json={
            "endpoints": {
                "a": {"channel": "sms", "url": "http://127.0.0.1/x"},
                "b": {"channel": "webhook", "url": "ftp://example.com/x", "secret": "not-a-secret"},
                "c": {"channel": "webhook", "url": "http://127.0.0.1/x"},
            },
            "routes": [{"name": "r", "notify": ["a"], "endpoints": ["a"]}],
            "surprise": True,
        },
    )

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["endpoints.a.channel"] == "Input should be 'slack' or 'webhook'"
    assert errors["endpoints.b.url"] == "must be an http:// or https:// URL"
    assert errors["endpoints.b.secret"] == "must start with whsec_"
    assert errors["endpoints.c"] == "a webhook endpoint needs a secret (whsec_...) to sign its messages"
    assert errors["routes.0.notify"] == "Extra inputs are not permitted"
    assert errors["surprise"] == "Extra inputs are not permitted"
    assert (await notifier.http.get("/v1/rules")).json()["version"] == 0  # nothing applied


async def test_rules_are_accepted_as_yaml_and_shown_with_secrets_masked(notifier):
    response = await put_current(
        notifier.http, "/v1/rules", content=RULES_YAML, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 200, response.text

    shown = (await notifier.http.get("/v1/rules")).json()
    assert shown["version"] == 1 and shown["source"] == "api" and shown["updated_by"] == "key:bootstrap"
    assert shown["rules"]["endpoints"]["ops-hook"]["secret"] == "whsec_***"
    assert shown["rules"]["routes"][0]["when"]["kinds"] == ["churn_risk"]
    response = await put_current(
        notifier.http, "/v1/rules", content="routes: [unclosed", headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "(document)"
    validated = await notifier.http.post("/v1/rules/validate", content=RULES_YAML)
    assert validated.json() == {"valid": True, "warnings": []}


async def test_an_empty_or_null_rules_body_is_refused_and_the_rules_stay(notifier):
    # Found by schemathesis: PUT /v1/rules without a body (or with null) replaced the rules with none.
    await put_current(notifier.http, "/v1/rules", content=RULES_YAML)
    for method, path, body in (
        ("PUT", "/v1/rules", " \n"),
        ("PUT", "/v1/rules", "null"),
        ("POST", "/v1/rules/validate", ""),
    ):
        response = await notifier.http.request(method, path, content=body, headers={"If-Match": "1"})

        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "(document)"
    assert (await notifier.http.get("/v1/rules")).json()["version"] == 1


async def test_a_rules_file_is_applied_at_start_up_and_a_bad_one_stops_it(notifier_settings, tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text(RULES_YAML)
    async with running(create(notifier_settings.model_copy(update={"rules_file": good}))) as service:
        shown = await eventually(lambda: _rules(service, 1), what="rules applied")
    assert shown["source"] == "file" and shown["rules"]["escalation_minutes"] == 15

    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoints:\n  x: {channel: pager, url: 'http://10.0.0.1/'}\n")
    with pytest.raises(RulesError) as refused:
        create(notifier_settings.model_copy(update={"rules_file": bad}))
    assert f"{bad}: endpoints.x.channel" in str(refused.value)
    assert "10.0.0.1 is a private address" in str(refused.value)


async def test_the_dry_run_says_who_would_receive_an_insight_and_why(notifier, jetstream):
    await feed(
        jetstream,
        team_created(team("t-billing", [member("pm-ann")], ["billing"])),
        team_created(team("t-ops", [member("ops-olga", MemberRole.product_ops)], [])),
    )
    await put_current(notifier.http, "/v1/rules", content=RULES_YAML)
    olga = await notifier.api_key("product_ops", member_id="ops-olga")
    response = await notifier.http.post(
        "/v1/members/ops-olga/subscriptions",
        headers={"X-API-Key": olga},
        json={"themes": ["invoices"], "min_severity": "critical"},
    )
    assert response.status_code == 201, response.text
    subscription = response.json()["subscription_id"]

    owned = insight(area="billing", kind=InsightKind.churn_risk, severity=Severity.critical)
    plan = (await notifier.http.post("/v1/routing/dry-run", json=owned.model_dump(mode="json"))).json()
    assert plan["would_notify"] is True
    reasons = {r["member_id"] or r["endpoint"]: r["reasons"] for r in plan["recipients"]}
    assert reasons == {
        "pm-ann": ["PM of Team t-billing (t-billing), owner of area billing"],
        "dir-dan": ["rule churn-to-ops (kinds=churn_risk severity>=warning)"],
        "ops-hook": ["rule churn-to-ops (kinds=churn_risk severity>=warning)"],
        "ops-olga": [f"subscription {subscription} (themes=invoices severity>=critical)"],
    }
    ann = next(r for r in plan["recipients"] if r["member_id"] == "pm-ann")
    assert [(c["channel"], c["timing"]) for c in ann["channels"]] == [("inbox", "now"), ("email", "now")]
    dan = next(r for r in plan["recipients"] if r["member_id"] == "dir-dan")
    assert dan["channels"][1] == {
        "channel": "email",
        "timing": "skipped",
        "at": None,
        "why": "no email address known for this member",
    }

    unowned = insight(area="reporting", severity=Severity.info, theme="exports")
    plan = (await notifier.http.post("/v1/routing/dry-run", json=unowned.model_dump(mode="json"))).json()
    assert {r["member_id"]: r["reasons"] for r in plan["recipients"]} == {
        "ops-olga": ["Product Ops fallback: nobody owns area reporting"],
        "ops-extra": ["Product Ops fallback: nobody owns area reporting"],
    }
    assert await notifier.db["deliveries"].count_documents({}) == 0  # a dry run records nothing


async def test_members_manage_their_own_preferences_and_product_ops_anyone_s(notifier):
    ann = await notifier.api_key("pm", member_id="pm-ann")
    mine = await put_current(
        notifier.http,
        "/v1/members/pm-ann/preferences",
        headers={"X-API-Key": ann},
        json={
            "channels": ["webhook"],
            "webhook_url": "http://127.0.0.1:9/me",
            "webhook_secret": SECRET,
            "timezone": "Europe/Paris",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "digest": "daily",
        },
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["preferences"]["webhook_secret"] == "whsec_***"

    other = await notifier.http.put("/v1/members/pm-bob/preferences", headers={"X-API-Key": ann}, json={})
    assert other.status_code == 403
    ops = await notifier.api_key("product_ops", member_id="ops-olga")
    assert (
        await put_current(
            notifier.http,
            "/v1/members/pm-bob/preferences",
            headers={"X-API-Key": ops},
            json={"digest": "hourly"},
        )
    ).status_code == 200
    bad = await put_current(
        notifier.http,
        "/v1/members/pm-ann/preferences",
        headers={"X-API-Key": ann},
        json={"timezone": "Mars/Olympus", "channels": ["slack"]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"timezone"}


async def test_the_inbox_belongs_to_the_member_of_the_key(notifier, jetstream):
    await feed(jetstream, team_created(team("t-billing", [member("pm-ann"), member("pm-bob")], ["billing"])))
    await feed(jetstream, detected(insight("ins-1")))
    ann, bob = await notifier.api_key("pm", "pm-ann"), await notifier.api_key("pm", "pm-bob")

    [item] = (await notifier.http.get("/v1/inbox", headers={"X-API-Key": ann})).json()["items"]
    assert item["subject"] == "[warning] Spike in billing" and item["read_at"] is None
    assert (
        await notifier.http.post(f"/v1/inbox/{item['item_id']}/read", headers={"X-API-Key": bob})
    ).status_code == 404
    read = await notifier.http.post(f"/v1/inbox/{item['item_id']}/read", headers={"X-API-Key": ann})
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = (
        await notifier.http.get("/v1/inbox", params={"unread": True}, headers={"X-API-Key": ann})
    ).json()
    assert unread["items"] == []
    no_member = await notifier.api_key("pm")
    assert (await notifier.http.get("/v1/inbox", headers={"X-API-Key": no_member})).status_code == 403


async def test_every_route_needs_the_right_role(notifier):
    viewer = {"X-API-Key": await notifier.api_key("viewer")}
    assert (await notifier.http.get("/v1/rules", headers={"X-API-Key": ""})).status_code == 401
    assert (await notifier.http.put("/v1/rules", json={}, headers=viewer)).status_code == 403
    assert (await notifier.http.get("/v1/deliveries", headers=viewer)).status_code == 403
    assert (await notifier.http.get("/v1/loop-closure", headers=viewer)).status_code == 403
    assert (await notifier.http.post("/v1/routing/dry-run", json={}, headers=viewer)).status_code == 403


async def _rules(service, version: int):
    shown = (await service.http.get("/v1/rules")).json()
    return shown if shown["version"] == version else None
