"""Shipping publishes initiative.shipped with the linked feedback ids, exactly once."""

import asyncio

import pytest
from terrain_contracts import subjects
from terrain_dev.waiting import eventually

from .conftest import events

pytestmark = pytest.mark.integration

NOTE = "Invoices now go out in the customer's currency."


async def in_progress(api, feedback_ids=("fb-1", "fb-2", "fb-3")) -> tuple[str, int]:
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    for feedback_id in feedback_ids:
        linked = await api.call(
            "POST", f"/v1/initiatives/{initiative_id}/links", json_body={"feedback_id": feedback_id}
        )
        assert linked.status_code == 201
    await api.cycle(phase="alignment")
    for step in ("proposed", "aligned"):
        assert (await api.move(initiative_id, step)).status_code == 200
    await api.cycle(phase="validation")
    assert (await api.move(initiative_id, "committed")).status_code == 200
    assert (await api.move(initiative_id, "in_progress")).status_code == 200
    return initiative_id, (await api.get(initiative_id))["initiative"]["version"]


async def published_and_settled(api, jetstream) -> list:
    await eventually(lambda: _outbox_empty(api), what="outbox published")
    return await events(jetstream, subjects.INITIATIVE_SHIPPED)


async def _outbox_empty(api) -> bool:
    return await api.db["outbox"].count_documents({"published_at": None}) == 0


async def test_shipping_publishes_the_linked_feedback_ids_and_the_release_note(api, jetstream):
    initiative_id, version = await in_progress(api)
    unlinked = await api.call("DELETE", f"/v1/initiatives/{initiative_id}/links/fb-2")
    assert unlinked.status_code == 204

    shipped = await api.call(
        "POST", f"/v1/initiatives/{initiative_id}/ship", version=version, json_body={"release_note": NOTE}
    )

    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["initiative"]["status"] == "shipped"
    [event] = await eventually(lambda: events(jetstream, subjects.INITIATIVE_SHIPPED), what="shipped event")
    assert event.data.linked_feedback_ids == ["fb-1", "fb-3"]
    assert event.data.release_note == NOTE
    assert event.data.initiative.status == "shipped"
    assert event.data.initiative.version == version + 1
    assert event.data.shipped_at == api.clock.now


async def test_a_retried_ship_request_answers_the_same_and_publishes_nothing_more(api, jetstream):
    initiative_id, version = await in_progress(api)
    path = f"/v1/initiatives/{initiative_id}/ship"

    first = await api.call("POST", path, version=version, json_body={"release_note": NOTE})
    api.clock.advance(minutes=5)
    retry = await api.call("POST", path, version=version, json_body={"release_note": NOTE})

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(await published_and_settled(api, jetstream)) == 1


async def test_concurrent_identical_ship_requests_publish_once(api, jetstream):
    initiative_id, version = await in_progress(api)
    path = f"/v1/initiatives/{initiative_id}/ship"

    answers = await asyncio.gather(
        *(api.call("POST", path, version=version, json_body={"release_note": NOTE}) for _ in range(3))
    )

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.text for a in answers}) == 1
    [event] = await published_and_settled(api, jetstream)
    assert event.data.linked_feedback_ids == ["fb-1", "fb-2", "fb-3"]


async def test_a_different_ship_request_after_shipping_is_refused(api, jetstream):
    initiative_id, version = await in_progress(api)
    path = f"/v1/initiatives/{initiative_id}/ship"
    assert (
        await api.call("POST", path, version=version, json_body={"release_note": NOTE})
    ).status_code == 200

    other_note = await api.call("POST", path, version=version, json_body={"release_note": "Something else"})
    newer_version = await api.call("POST", path, version=version + 1, json_body={"release_note": NOTE})

    assert other_note.status_code == newer_version.status_code == 409
    assert "already shipped" in other_note.json()["detail"]
    assert len(await published_and_settled(api, jetstream)) == 1


async def test_only_an_in_progress_initiative_ships(api):
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]

    refused = await api.call(
        "POST", f"/v1/initiatives/{initiative_id}/ship", version=1, json_body={"release_note": NOTE}
    )

    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("illegal transition from draft to shipped")
