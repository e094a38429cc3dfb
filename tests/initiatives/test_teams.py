"""Teams, members and product areas: each change one team.* event carrying the full state."""

import pytest
from terrain_contracts import streams
from terrain_contracts.registry import BY_SUBJECT
from terrain_dev.probes import stored_messages
from terrain_dev.waiting import eventually

pytestmark = pytest.mark.integration


async def team_events(js, count: int) -> list | None:
    found = [BY_SUBJECT[m.subject].parse(m.data) for m in await stored_messages(js, streams.TEAMS)]
    return found if len(found) >= count else None


async def test_each_team_change_is_one_event_with_the_full_state_and_a_growing_version(api, jetstream):
    await api.team("tribe-core", kind="tribe", parent=None)
    await api.team("squad-billing", members=(("ada", "pm"),))
    await api.call(
        "PATCH",
        "/v1/teams/squad-billing/members/ada",
        json_body={"away_until": "2026-12-24T00:00:00Z", "backup_member_id": "bob"},
    )
    await api.call("PUT", "/v1/teams/squad-billing/areas/billing", json_body={"name": "Billing"})
    await api.call("PATCH", "/v1/teams/squad-billing", json_body={"name": "Billing & Invoicing"})
    await api.call("DELETE", "/v1/teams/squad-billing/members/ada")

    found = await eventually(lambda: team_events(jetstream, 7), what="seven team events")

    squad = [e for e in found if getattr(e.data, "team", None) and e.data.team.team_id == "squad-billing"]
    assert [e.type for e in squad] == [
        "team.created",
        "team.member_joined",
        "team.member_updated",
        "team.area_assigned",
        "team.updated",
        "team.member_left",
    ]
    assert [e.data.team.version for e in squad] == [1, 2, 3, 4, 5, 6]
    joined, updated, assigned = squad[1], squad[2], squad[3]
    assert joined.data.member_id == "ada" and joined.data.team.members[0].role == "pm"
    assert updated.data.team.members[0].backup_member_id == "bob"
    assert assigned.data.area == "billing"
    assert squad[-1].data.team.members == [] and squad[-1].data.team.name == "Billing & Invoicing"
    assert squad[-1].data.team.product_areas[0].area == "billing"


async def test_a_change_that_changes_nothing_emits_nothing(api, jetstream):
    await api.team("squad-billing")
    await api.call("PUT", "/v1/teams/squad-billing/areas/billing", json_body={"name": "Billing"})

    again = await api.call("PUT", "/v1/teams/squad-billing/areas/billing", json_body={"name": "Billing"})

    assert again.status_code == 200 and again.json()["version"] == 2
    await eventually(lambda: team_events(jetstream, 3), what="tribe, squad, area")
    assert len(await stored_messages(jetstream, streams.TEAMS)) == 3


async def test_a_product_area_has_one_owner_and_moves_only_by_transfer(api, jetstream):
    await api.team("squad-billing")
    await api.team("squad-payments")
    await api.call("PUT", "/v1/teams/squad-billing/areas/invoices", json_body={"name": "Invoices"})

    refused = await api.call("PUT", "/v1/teams/squad-payments/areas/invoices", json_body={"name": "Invoices"})
    moved = await api.call(
        "PUT",
        "/v1/teams/squad-payments/areas/invoices",
        params={"transfer": "true"},
        json_body={"name": "Invoices"},
    )

    assert refused.status_code == 409
    assert "owned by team squad-billing" in refused.json()["detail"]
    assert moved.status_code == 200
    owners = (await api.call("GET", "/v1/product-areas")).json()
    assert owners == [{"area": "invoices", "team_id": "squad-payments"}]
    found = await eventually(lambda: team_events(jetstream, 6), what="release and assignment")
    assert [(e.type, e.data.team.team_id) for e in found[-2:]] == [
        ("team.area_released", "squad-billing"),
        ("team.area_assigned", "squad-payments"),
    ]


async def test_a_squad_needs_a_tribe_as_parent(api):
    await api.team("squad-billing")

    orphan = await api.call(
        "POST", "/v1/teams", json_body={"team_id": "squad-x", "name": "X", "kind": "squad"}
    )
    under_squad = await api.call(
        "POST",
        "/v1/teams",
        json_body={"team_id": "squad-y", "name": "Y", "kind": "squad", "parent_team_id": "squad-billing"},
    )

    assert orphan.status_code == under_squad.status_code == 422
    assert orphan.json()["errors"][0]["field"] == "parent_team_id"
    assert "is a squad" in under_squad.json()["errors"][0]["message"]


async def test_a_team_that_still_owns_work_cannot_be_deleted_and_says_why(api, jetstream):
    await api.team("squad-billing")
    await api.call("PUT", "/v1/teams/squad-billing/areas/billing", json_body={"name": "Billing"})
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]

    refused = await api.call("DELETE", "/v1/teams/squad-billing")
    await api.call("DELETE", "/v1/teams/squad-billing/areas/billing")
    await api.call(
        "POST", f"/v1/initiatives/{initiative_id}/drop", version=1, json_body={"reason": "Not needed"}
    )
    deleted = await api.call("DELETE", "/v1/teams/squad-billing")

    assert refused.status_code == 409
    assert "1 initiative(s) not shipped or dropped" in refused.json()["detail"]
    assert "product areas billing" in refused.json()["detail"]
    assert deleted.status_code == 204
    found = await eventually(lambda: team_events(jetstream, 5), what="deletion")
    assert found[-1].type == "team.deleted" and found[-1].data.version == 4
    reused = await api.call(
        "POST",
        "/v1/teams",
        json_body={
            "team_id": "squad-billing",
            "name": "Again",
            "kind": "squad",
            "parent_team_id": "tribe-core",
        },
    )
    assert reused.status_code == 409


async def test_only_product_ops_and_admins_change_teams(api):
    await api.pm("ada", "squad-billing")
    await api.key("olga", "product_ops")

    by_pm = await api.call(
        "POST",
        "/v1/teams/squad-billing/members",
        "ada",
        json_body={"member_id": "eve", "name": "Eve", "email": "eve@example.com", "role": "pm"},
    )
    by_ops = await api.call(
        "POST",
        "/v1/teams/squad-billing/members",
        "olga",
        json_body={"member_id": "eve", "name": "Eve", "email": "eve@example.com", "role": "pm"},
    )

    assert by_pm.status_code == 403
    assert by_ops.status_code == 201


async def test_a_stale_if_match_on_a_team_gets_412(api):
    await api.team("squad-billing")

    stale = await api.call("PATCH", "/v1/teams/squad-billing", version=7, json_body={"name": "Renamed"})

    assert stale.status_code == 412
    assert (await api.call("GET", "/v1/teams/squad-billing")).json()["name"] == "Squad Billing"
