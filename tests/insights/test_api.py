"""The HTTP API on the real servers: taxonomy versions and YAML, roles, trends, demand, candidates, replay."""

import pytest
import yaml
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually
from terrain_insights.domain.taxonomy import from_yaml
from terrain_insights.handlers import periodic
from terrain_insights.handlers.windows import DemandWindows

from .conftest import TAXONOMY_YAML, ingested

pytestmark = pytest.mark.integration


async def test_every_taxonomy_change_is_a_new_version_and_yaml_round_trips(insights):
    exported = await insights.http.get("/v1/taxonomy/export")
    assert exported.status_code == 200
    assert yaml.safe_load(exported.text)["version"] == 1
    assert from_yaml(exported.text).content() == from_yaml(TAXONOMY_YAML).content()

    same = await insights.http.post(
        "/v1/taxonomy/import", content=exported.text, headers={"If-Match": exported.headers["ETag"]}
    )
    assert same.json()["version"] == 1  # unchanged content: no new version

    theme = {
        "name": "Dark mode",
        "examples": ["Please add a dark theme", "Un mode sombre serait bien"],
        "keywords": ["dark mode", "mode sombre"],
    }
    changed = await insights.http.put("/v1/taxonomy/areas/platform/themes/dark-mode", json=theme)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    versions = (await insights.http.get("/v1/taxonomy/versions")).json()
    assert [v["version"] for v in versions] == [2, 1]
    old = (await insights.http.get("/v1/taxonomy/versions/1")).json()
    assert "dark-mode" not in [t["slug"] for a in old["areas"] for t in a["themes"]]


async def test_a_broken_taxonomy_is_refused_naming_the_field(insights):
    duplicate = (
        "areas:\n  - slug: billing\n    name: Billing\n    themes:\n      - slug: x\n        name: X\n"
    )
    response = await insights.http.post("/v1/taxonomy/import", content=duplicate)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "areas.0.themes.0.examples"
    assert (await insights.http.post("/v1/taxonomy/import", content="areas: [unclosed")).status_code == 422


async def test_roles_are_enforced(insights):
    viewer = await insights.api_key("viewer")
    pm = await insights.api_key("pm")
    assert (await insights.http.get("/v1/themes", headers={"X-API-Key": viewer})).status_code == 200
    assert (
        await insights.http.post("/v1/taxonomy/import", content=TAXONOMY_YAML, headers={"X-API-Key": pm})
    ).status_code == 403
    assert (await insights.http.get("/v1/insights", headers={"X-API-Key": "nope"})).status_code == 401


async def test_themes_trends_and_top_demand_by_segment(insights, jetstream):
    await publish(
        jetstream,
        ingested(
            "SAML SSO with Okta is required", account_id="big", arr_minor=90_000_000, segment="enterprise"
        ),
        ingested("Export to Excel please", account_id="small-1", arr_minor=100_000, segment="smb"),
        ingested(
            "The CSV export lacks custom fields", account_id="small-2", arr_minor=200_000, segment="smb"
        ),
    )

    async def classified():
        return await insights.db["items"].count_documents({}) == 3

    await eventually(classified, what="classified")
    themes = {t["theme"]: t for t in (await insights.http.get("/v1/themes")).json()}
    assert themes["data-export"]["items"] == 2 and themes["data-export"]["unowned"] is True
    trend = (await insights.http.get("/v1/themes/sso/trend", params={"period": "hour", "buckets": 3})).json()
    assert [p["items"] for p in trend["points"]][-1] == 1

    by_arr = (await insights.http.get("/v1/demand/top")).json()
    assert [d["theme"] for d in by_arr[:2]] == ["sso", "data-export"]
    by_accounts = (await insights.http.get("/v1/demand/top", params={"by": "accounts"})).json()
    assert by_accounts[0] == {
        "theme": "data-export",
        "items": 2,
        "unique_accounts": 2,
        "arr_minor_by_currency": {"EUR": 300_000},
    }
    smb = (await insights.http.get("/v1/demand/top", params={"segment": "smb"})).json()
    assert [d["theme"] for d in smb] == ["data-export"]

    ctx = insights.app.state.context
    windows = DemandWindows(ctx.detectors.demand_days)
    await insights.service.transactions.run(lambda uow: periodic.top_demand(uow, ctx, windows))
    top = (await insights.http.get("/v1/insights", params={"kind": "top_demand"})).json()["items"]
    assert {i["dedup_key"] for i in top} == {"top_demand:all", "top_demand:enterprise", "top_demand:smb"}


async def test_insights_are_acknowledged_and_resolved_by_people(insights, jetstream):
    await publish(
        jetstream,
        ingested("Unacceptable, the app crashes, we will cancel", account_id="bigco", arr_minor=50_000_000),
    )
    page = await eventually(lambda: _open(insights), what="churn insight")
    insight_id = page[0]["insight_id"]
    pm = await insights.api_key("pm", member_id="m-1")

    acked = await insights.http.post(f"/v1/insights/{insight_id}/acknowledge", headers={"X-API-Key": pm})
    assert acked.json()["status"] == "acknowledged" and acked.json()["version"] == 2
    resolved = await insights.http.post(
        f"/v1/insights/{insight_id}/resolve", json={"reason": "called them"}, headers={"X-API-Key": pm}
    )
    assert resolved.json()["status"] == "resolved"
    again = await insights.http.post(f"/v1/insights/{insight_id}/resolve", json={"reason": "x"})
    assert again.status_code == 409
    assert (await insights.http.get("/v1/insights/nope")).status_code == 404


async def _open(svc) -> list[dict]:
    return (await svc.http.get("/v1/insights", params={"status": "open"})).json()["items"]


async def test_unassigned_feedback_becomes_candidates_that_can_be_promoted(insights, jetstream):
    texts = [
        "Please add a dark mode to the interface",
        "Dark mode for the interface would be great",
        "We want a dark mode, the white interface hurts at night",
        "Mode sombre pour l'interface svp",
        "Translate the interface into German",
        "German translation of the interface please",
    ]
    await publish(jetstream, *[ingested(t, account_id=f"acc-{i}") for i, t in enumerate(texts)])

    async def unassigned():
        return await insights.db["items"].count_documents({"unassigned": True}) >= 4

    await eventually(unassigned, what="unassigned items")
    await insights.service.transactions.run(
        lambda uow: periodic.refresh_candidates(uow, insights.app.state.context)
    )
    candidates = (await insights.http.get("/v1/candidates")).json()
    dark = next(c for c in candidates if "dark" in c["label_terms"])
    assert dark["size"] >= 2

    promoted = await insights.http.post(
        f"/v1/candidates/{dark['candidate_id']}/promote",
        json={"slug": "dark-mode", "name": "Dark mode", "product_area": "platform"},
    )
    assert promoted.status_code == 201
    theme = next(t for a in promoted.json()["areas"] for t in a["themes"] if t["slug"] == "dark-mode")
    assert theme["examples"] and "dark" in theme["keywords"]
    assert (
        await insights.http.post(
            f"/v1/candidates/{dark['candidate_id']}/promote",
            json={"slug": "dark-mode-2", "name": "Dark", "product_area": "platform"},
        )
    ).status_code == 409


async def test_a_replay_reapplies_a_new_version_and_reports_what_moved(insights, jetstream):
    texts = [
        "Please add a dark mode to the interface",
        "Dark mode would be great at night",
        "The CSV export lacks custom fields",
    ]
    await publish(jetstream, *[ingested(t) for t in texts])

    async def classified():
        return await insights.db["items"].count_documents({}) == 3

    await eventually(classified, what="classified")
    theme = {
        "name": "Dark mode",
        "examples": ["Add a dark mode", "A dark theme for the interface at night"],
        "keywords": ["dark mode"],
    }
    await insights.http.put("/v1/taxonomy/areas/platform/themes/dark-mode", json=theme)

    started = await insights.http.post("/v1/replays", json={})
    assert started.status_code == 202

    async def finished():
        job = (await insights.http.get(f"/v1/replays/{started.json()['replay_id']}")).json()
        return job if job["status"] == "done" else None

    job = await eventually(finished, what="replay finished")
    assert job["done"] == 3 and job["moved"] == 2
    demand = {row["theme"]: row for row in job["demand"]}
    assert demand["dark-mode"] == {"theme": "dark-mode", "before": 0, "after": 2}
    assert demand["data-export"]["before"] == demand["data-export"]["after"] == 1
    trend = (
        await insights.http.get("/v1/themes/dark-mode/trend", params={"period": "day", "buckets": 1})
    ).json()
    assert trend["points"][0]["items"] == 2


async def test_a_version_past_what_mongodb_stores_is_refused_not_a_server_error(insights):
    # Found by schemathesis: /v1/taxonomy/versions/307400419662757101568 raised OverflowError (a 500).
    huge = 2**64
    for response in (
        await insights.http.get(f"/v1/taxonomy/versions/{huge}"),
        await insights.http.get("/v1/taxonomy/export", params={"version": huge}),
        await insights.http.post("/v1/replays", json={"version": huge}),
    ):
        assert response.status_code == 422, response.text
    assert (await insights.http.get(f"/v1/taxonomy/versions/{2**63 - 1}")).status_code == 404


async def test_a_theme_whose_examples_are_only_spaces_is_refused_not_a_server_error(insights):
    # Found by schemathesis: the request model kept "   ", the stored Theme strips it (a ValidationError,
    # a 500).
    response = await insights.http.put(
        "/v1/taxonomy/areas/billing/themes/refunds", json={"name": "Refunds", "examples": ["   "]}
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "examples.0"


@pytest.mark.parametrize("version", ["-1", "false"])
async def test_an_imported_version_that_is_no_version_is_refused(insights, version):
    # Found by schemathesis: the import ignored "version", so -1 or false passed (the document says >= 0).
    response = await insights.http.post("/v1/taxonomy/import", content=f"version: {version}\nareas: []\n")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "version"


async def test_product_ops_corrects_an_item_and_the_next_one_learns_from_it(insights, jetstream):
    mobile = [
        "The iPhone app logs me out every time I switch apps",
        "Android app drains the battery in an hour",
        "The mobile app is very slow to open on my phone",
    ]
    await publish(jetstream, *(ingested(t, feedback_id=f"fb-m{n}") for n, t in enumerate(mobile)))

    async def classified(count: int):
        return await insights.db["items"].count_documents({}) == count

    await eventually(lambda: classified(3), what="classified")
    viewer, ops = await insights.api_key("viewer"), await insights.api_key("product_ops")
    refused = await insights.http.put(
        "/v1/items/fb-m0/correction", json={"theme": "sso"}, headers={"X-API-Key": viewer}
    )
    unknown = await insights.http.put(
        "/v1/items/fb-m0/correction", json={"theme": "no-such"}, headers={"X-API-Key": ops}
    )
    empty = await insights.http.put("/v1/items/fb-m0/correction", json={}, headers={"X-API-Key": ops})
    missing = await insights.http.put(
        "/v1/items/nope/correction", json={"theme": "sso"}, headers={"X-API-Key": ops}
    )
    assert (refused.status_code, unknown.status_code, empty.status_code, missing.status_code) == (
        403,
        422,
        422,
        404,
    )
    assert unknown.json()["errors"][0]["field"] == "theme"

    for n in range(3):
        corrected = await insights.http.put(
            f"/v1/items/fb-m{n}/correction", json={"theme": "sso", "kind": "bug"}, headers={"X-API-Key": ops}
        )
        assert corrected.status_code == 200, corrected.text
    item = (await insights.http.get("/v1/items/fb-m0")).json()
    assert [t["theme"] for t in item["themes"]] == ["sso"] and item["category"] == "bug"
    assert item["corrected"]["theme"] == "sso"

    await publish(
        jetstream, ingested("On my Android phone the app keeps logging me out", feedback_id="fb-next")
    )
    await eventually(lambda: classified(4), what="the next item classified")
    taught = (await insights.http.get("/v1/items/fb-next")).json()
    assert [t["theme"] for t in taught["themes"]] == ["sso"]
