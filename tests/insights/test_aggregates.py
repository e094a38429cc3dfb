"""Aggregates on the real servers: redelivery, edits and erasure never count an item twice."""

import pytest

from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import ingested

pytestmark = pytest.mark.integration


async def snapshot(svc) -> list[dict]:
    return await svc.db["aggregates"].find({}).sort("_id", 1).to_list(None)


async def settled(js, durable: str = "insights-classifier") -> bool:
    return await consumer_settled(js, streams.FEEDBACK, durable)


def day_doc(docs: list[dict], scope: str, key: str) -> dict:
    [doc] = [d for d in docs if d["scope"] == scope and d["key"] == key and d["period"] == "day"]
    return doc


async def test_redelivered_events_do_not_change_aggregates(insights, jetstream):
    events = [ingested("The CSV export cuts off our custom fields", account_id="acme"),
              ingested("L'export Excel n'a pas les bons accents", account_id="globex", arr_minor=5_000_000),
              ingested("Export to Google Sheets please", account_id="acme")]
    await publish(jetstream, *events)
    await eventually(lambda: _items(insights, 3), what="items classified")
    await eventually(lambda: settled(jetstream), what="consumed")
    before = await snapshot(insights)

    for event in events:  # the same events again, as a producer retry outside the duplicate window stores them
        await jetstream.publish(event.subject, event.to_json(), headers={MSG_ID: f"retry-{event.id}"})
    await eventually(lambda: settled(jetstream), what="redeliveries consumed")

    assert await snapshot(insights) == before
    export = day_doc(before, "theme", "data-export")
    assert export["items"] == 3
    assert {k: v["n"] for k, v in export["accounts"].items()} == {"acme": 2, "globex": 1}
    assert day_doc(before, "area", "reporting")["items"] == 3


async def _items(svc, expected: int) -> bool:
    return await svc.db["items"].count_documents({"erased": {"$ne": True}}) == expected


async def test_an_edited_item_moves_its_contribution_instead_of_counting_twice(insights, jetstream):
    await publish(jetstream, ingested("The CSV export cuts off after 10,000 rows", feedback_id="fb-edit"))
    await eventually(lambda: _items(insights, 1), what="classified")
    await publish(jetstream, ingested("Actually the problem is SAML single sign-on with Okta failing",
                                      feedback_id="fb-edit", revision=2))

    async def moved() -> bool:
        doc = await insights.db["items"].find_one({"_id": "fb-edit"})
        return doc["revision"] == 2

    await eventually(moved, what="revision 2 applied")
    docs = await snapshot(insights)
    assert day_doc(docs, "theme", "data-export")["items"] == 0
    assert day_doc(docs, "theme", "sso")["items"] == 1
    assert day_doc(docs, "theme", "data-export")["accounts"]["acme"]["n"] == 0

    # A late copy of revision 1 changes nothing.
    await publish(jetstream, ingested("The CSV export cuts off after 10,000 rows", feedback_id="fb-edit"))
    await eventually(lambda: settled(jetstream), what="late revision consumed")
    assert day_doc(await snapshot(insights), "theme", "sso")["items"] == 1


async def test_erased_feedback_leaves_the_aggregates_and_cannot_come_back(insights, jetstream):
    first = ingested("Slack notifications arrive twice", feedback_id="fb-gone", account_id="acme")
    await publish(jetstream, first, ingested("Post to our Slack channel when a project is late", account_id="acme"))
    await eventually(lambda: _items(insights, 2), what="classified")

    await publish(jetstream, FeedbackErased.create(FeedbackErasedData(
        erasure_id="er-1", account_id="acme", feedback_ids=["fb-gone"], part=1, parts=1, reason="GDPR request",
        requested_by="dpo"), source="feedback"))
    await eventually(lambda: _items(insights, 1), what="erased")
    await jetstream.publish(first.subject, first.to_json(), headers={MSG_ID: "late-copy"})
    await eventually(lambda: settled(jetstream), what="late copy consumed")

    slack = day_doc(await snapshot(insights), "theme", "slack-notifications")
    assert slack["items"] == 1
    assert slack["accounts"]["acme"]["n"] == 1
    assert await insights.db["items"].find_one({"_id": "fb-gone"}) == {"_id": "fb-gone", "erased": True}
    assert (await insights.http.get("/v1/items/fb-gone")).status_code == 404
