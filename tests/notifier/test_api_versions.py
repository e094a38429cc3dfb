"""Whole-document writes by API (issue 19): rules and preferences take If-Match with their version, an
empty rules document is refused unless asked for, what a GET shows can be PUT back (masked secrets keep the
stored ones), and a document nested without end is refused without a 500."""

import asyncio

import pytest

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVzLWF0LWxlYXN0"
RULES = {
    "product_ops_members": ["ops-extra"],
    "endpoints": {"ops-hook": {"channel": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}},
    "routes": [{"name": "to-ops", "endpoints": ["ops-hook"]}],
}
DEEP = 50_000


def match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


async def stored_rules(notifier) -> dict:
    return (await notifier.db["rules"].find_one({"_id": "current"}))["rules"]


async def test_rules_are_replaced_only_with_the_current_version_in_if_match(notifier):
    shown = await notifier.http.get("/v1/rules")
    assert shown.headers["ETag"] == '"0"'

    missing = await notifier.http.put("/v1/rules", json=RULES)
    assert missing.status_code == 428, missing.text
    first = await notifier.http.put("/v1/rules", json=RULES, headers=match(0))
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"1"' and first.json()["version"] == 1
    stale = await notifier.http.put("/v1/rules", json=RULES, headers=match(0))
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    assert (await notifier.http.get("/v1/rules")).headers["ETag"] == '"1"'


@pytest.mark.parametrize("base", [0, 1], ids=["first-write", "later-write"])
async def test_of_two_concurrent_writes_on_the_same_version_one_wins_and_the_other_is_stale(notifier, base):
    if base:
        await notifier.http.put("/v1/rules", json=RULES, headers=match(0))
    changed = [{**RULES, "escalation_minutes": minutes} for minutes in (10, 20)]

    answers = await asyncio.gather(
        *(notifier.http.put("/v1/rules", json=rules, headers=match(base)) for rules in changed)
    )

    assert sorted(answer.status_code for answer in answers) == [200, 412], [a.text for a in answers]
    shown = (await notifier.http.get("/v1/rules")).json()
    assert shown["version"] == base + 1
    [winner] = [rules for rules, answer in zip(changed, answers, strict=True) if answer.status_code == 200]
    assert shown["rules"]["escalation_minutes"] == winner["escalation_minutes"]


async def test_an_empty_rules_document_is_refused_unless_asked_for_explicitly(notifier):
    await notifier.http.put("/v1/rules", json=RULES, headers=match(0))

    for body in ("{}", '{"routes": [], "endpoints": {}}'):
        refused = await notifier.http.put("/v1/rules", content=body, headers=match(1))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "(document)"
        assert "allow_empty=true" in refused.json()["errors"][0]["message"]
    assert (await stored_rules(notifier))["routes"]  # the routing stays

    emptied = await notifier.http.put(
        "/v1/rules", params={"allow_empty": "true"}, content="{}", headers=match(1)
    )
    assert emptied.status_code == 200, emptied.text
    assert (await stored_rules(notifier))["routes"] == []


async def test_the_rules_a_get_shows_can_be_put_back_unchanged_and_keep_their_secrets(notifier):
    await notifier.http.put("/v1/rules", json=RULES, headers=match(0))
    shown = await notifier.http.get("/v1/rules")
    assert shown.json()["rules"]["endpoints"]["ops-hook"]["secret"] == "whsec_***"

    again = await notifier.http.put(
        "/v1/rules", json=shown.json()["rules"], headers={"If-Match": shown.headers["ETag"]}
    )

    assert again.status_code == 200, again.text
    assert (await stored_rules(notifier))["endpoints"]["ops-hook"]["secret"] == SECRET
    rules = {**RULES, "endpoints": {"ops-hook": {**RULES["endpoints"]["ops-hook"], "secret": OTHER_SECRET}}}
    replaced = await notifier.http.put("/v1/rules", json=rules, headers=match(2))
    assert replaced.status_code == 200, replaced.text
    assert (await stored_rules(notifier))["endpoints"]["ops-hook"]["secret"] == OTHER_SECRET
    masked_new = {"endpoints": {"new-hook": {**RULES["endpoints"]["ops-hook"], "secret": "whsec_***"}}}
    masked_new["routes"] = [{"name": "r", "endpoints": ["new-hook"]}]
    unknown = await notifier.http.put("/v1/rules", json=masked_new, headers=match(3))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "endpoints.new-hook.secret"


async def test_preferences_are_replaced_only_with_their_current_version_and_read_back_unchanged(notifier):
    path = "/v1/members/pm-ann/preferences"
    shown = await notifier.http.get(path)
    assert shown.headers["ETag"] == '"0"' and shown.json()["version"] == 0
    prefs = {"channels": ["webhook"], "webhook_url": "http://127.0.0.1:9/me", "webhook_secret": SECRET}

    assert (await notifier.http.put(path, json=prefs)).status_code == 428
    saved = await notifier.http.put(path, json=prefs, headers=match(0))
    assert saved.status_code == 200 and saved.headers["ETag"] == '"1"', saved.text
    assert (await notifier.http.put(path, json=prefs, headers=match(0))).status_code == 412

    shown = await notifier.http.get(path)
    assert shown.json()["version"] == 1 and shown.json()["preferences"]["webhook_secret"] == "whsec_***"
    again = await notifier.http.put(path, json=shown.json()["preferences"], headers=match(1))
    assert again.status_code == 200, again.text
    held = await notifier.db["preferences"].find_one({"_id": "pm-ann"})
    assert held["preferences"]["webhook_secret"] == SECRET and held["version"] == 2


@pytest.mark.parametrize("path", ["/v1/rules/validate", "/v1/rules"])
async def test_a_yaml_body_nested_50000_deep_is_refused_naming_the_document_not_a_500(notifier, path):
    for body in ("[" * DEEP + "]" * DEEP, "a: " + "{a: " * DEEP + "1" + "}" * DEEP):
        response = await notifier.http.request(
            "POST" if path.endswith("validate") else "PUT",
            path,
            content=body,
            headers={"content-type": "application/yaml", **match(0)},
        )

        assert response.status_code == 422, response.text[:300]
        assert response.json()["errors"][0]["field"] == "(document)"
