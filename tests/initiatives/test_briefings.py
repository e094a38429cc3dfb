"""Briefings over HTTP on the real servers: creation, roles, optimistic concurrency, history."""

import asyncio

import pytest
from terrain_contracts import subjects
from terrain_dev.waiting import eventually

from .conftest import QUARTER, events

pytestmark = pytest.mark.integration


async def test_a_pm_creates_a_draft_briefing_for_their_team_and_it_is_announced(api, jetstream):
    await api.pm("ada", "squad-billing")

    created = await api.call(
        "POST",
        "/v1/initiatives",
        "ada",
        json_body={
            "title": "Invoices in the customer's currency",
            "problem": "Finance teams re-key every invoice.",
            "source": "customer_feedback",
            "size": "l",
            "intention": "Issue invoices in 12 currencies.",
            "owner_team_id": "squad-billing",
            "quarter": QUARTER,
            "product_area": "billing",
            "themes": ["invoicing"],
            "success_metric": {
                "kind": "okr_key_result",
                "name": "Manual invoice corrections",
                "target": "-50%",
            },
        },
    )

    assert created.status_code == 201, created.text
    initiative = created.json()["initiative"]
    assert initiative["status"] == "draft" and initiative["version"] == 1
    assert created.headers["ETag"] == '"1"'
    [announced] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_CREATED), what="created event"
    )
    assert announced.data.initiative.model_dump(mode="json") == initiative
    assert announced.data.changed_by == "ada"


async def test_a_pm_may_not_write_briefings_for_a_team_they_are_not_a_pm_of(api):
    await api.pm("ada", "squad-billing")
    await api.team("squad-search", members=(("bob", "pm"), ("ada", "engineer")))

    refused = await api.call(
        "POST",
        "/v1/initiatives",
        "ada",
        json_body={
            "title": "T",
            "problem": "P",
            "source": "strategy",
            "size": "s",
            "intention": "I",
            "owner_team_id": "squad-search",
            "quarter": QUARTER,
        },
    )

    assert refused.status_code == 403
    assert "member ada is not a pm of team squad-search" in refused.json()["detail"]


async def test_a_viewer_reads_but_cannot_write(api):
    await api.team("squad-billing")
    initiative = await api.briefing("squad-billing")
    await api.key("vera", "viewer")

    assert (
        await api.call("GET", f"/v1/initiatives/{initiative['initiative_id']}", "vera")
    ).status_code == 200
    refused = await api.call(
        "PATCH",
        f"/v1/initiatives/{initiative['initiative_id']}",
        "vera",
        version=1,
        json_body={"title": "Mine now"},
    )
    assert refused.status_code == 403


async def test_an_edit_without_if_match_is_refused_with_428_and_a_malformed_one_with_422(api):
    await api.team("squad-billing")
    initiative = await api.briefing("squad-billing")
    path = f"/v1/initiatives/{initiative['initiative_id']}"

    missing = await api.call("PATCH", path, json_body={"title": "New"})
    malformed = await api.svc.http.patch(path, json={"title": "New"}, headers={"If-Match": "banana"})

    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "If-Match"
    assert (await api.get(initiative["initiative_id"]))["initiative"]["title"] == initiative["title"]


async def test_an_edit_based_on_a_stale_version_gets_412_and_changes_nothing(api):
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    path = f"/v1/initiatives/{initiative_id}"
    assert (await api.call("PATCH", path, version=1, json_body={"title": "Second"})).status_code == 200

    stale = await api.call("PATCH", path, version=1, json_body={"problem": "Based on version 1"})

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert stale.headers["ETag"] == '"2"'
    current = (await api.get(initiative_id))["initiative"]
    assert current["problem"] == "Customers wait too long." and current["version"] == 2


async def test_two_concurrent_edits_of_the_same_version_one_wins_the_other_gets_412(api, jetstream):
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    path = f"/v1/initiatives/{initiative_id}"

    first, second = await asyncio.gather(
        api.call("PATCH", path, version=1, json_body={"title": "Edited by Ada"}),
        api.call("PATCH", path, version=1, json_body={"title": "Edited by Bob"}),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    current = (await api.get(initiative_id))["initiative"]
    assert current["version"] == 2
    assert current["title"] == winner.json()["initiative"]["title"]
    [updated] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_UPDATED), what="one update event"
    )
    assert updated.data.initiative.title == current["title"]
    assert updated.data.changed_fields == ["title"]


async def test_every_change_is_kept_in_the_history_with_who_when_and_what(api):
    await api.pm("ada", "squad-billing")
    initiative_id = (await api.briefing("squad-billing", as_="ada"))["initiative_id"]
    api.clock.advance(hours=1)
    await api.call(
        "PATCH",
        f"/v1/initiatives/{initiative_id}",
        "ada",
        version=1,
        json_body={"size": "s", "themes": ["exports"]},
    )
    await api.move(initiative_id, "proposed", "ada")

    history = (await api.call("GET", f"/v1/initiatives/{initiative_id}/history")).json()["items"]

    assert [(h["action"], h["version"], h["by"]) for h in history] == [
        ("created", 1, "ada"),
        ("edited", 2, "ada"),
        ("status_changed", 3, "ada"),
    ]
    assert history[1]["changes"] == {
        "size": {"from": "m", "to": "s"},
        "themes": {"from": [], "to": ["exports"]},
    }
    assert history[2]["changes"] == {"status": {"from": "draft", "to": "proposed"}}
    assert history[1]["at"] == api.clock.now.isoformat().replace("+00:00", "Z")


async def test_bad_input_names_the_field(api):
    await api.team("squad-billing")

    refused = await api.call(
        "POST",
        "/v1/initiatives",
        json_body={
            "title": "T",
            "problem": "P",
            "source": "gut_feeling",
            "size": "m",
            "intention": "I",
            "owner_team_id": "squad-billing",
            "quarter": "2027-Q5",
        },
    )
    unknown_team = await api.call(
        "POST",
        "/v1/initiatives",
        json_body={
            "title": "T",
            "problem": "P",
            "source": "strategy",
            "size": "m",
            "intention": "I",
            "owner_team_id": "squad-nobody",
            "quarter": QUARTER,
        },
    )

    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"body.source", "body.quarter"}
    assert unknown_team.status_code == 422
    assert unknown_team.json()["errors"] == [{"field": "owner_team_id", "message": "no team squad-nobody"}]
