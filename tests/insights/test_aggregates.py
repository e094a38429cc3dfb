"""Aggregates on the real servers: redelivery, edits and erasure never count an item or an account twice,
and bucket documents keep one size whatever the number of accounts."""

from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient
from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish, running
from terrain_dev.waiting import eventually
from terrain_insights.main import create

from .conftest import ingested, insights_settings

pytestmark = pytest.mark.integration


async def snapshot(svc) -> tuple[list[dict], list[dict]]:
    return (
        await svc.db["aggregates"].find({}).sort("_id", 1).to_list(None),
        await svc.db["bucket_accounts"].find({}).sort("_id", 1).to_list(None),
    )


async def settled(js, durable: str = "insights-classifier") -> bool:
    return await consumer_settled(js, streams.FEEDBACK, durable)


async def day_doc(svc, scope: str, key: str) -> dict:
    [doc] = await svc.db["aggregates"].find({"scope": scope, "key": key, "period": "day"}).to_list(None)
    return doc


async def members(svc, theme: str) -> dict[str, int]:
    """Account -> items of the theme's day bucket(s), from the membership documents."""
    docs = await svc.db["bucket_accounts"].find({"key": theme}).to_list(None)
    return {d["account"]: d["n"] for d in docs}


async def _items(svc, expected: int) -> bool:
    return await svc.db["items"].count_documents({"erased": {"$ne": True}}) == expected


def erasure(*feedback_ids: str, erasure_id: str = "er-1") -> FeedbackErased:
    return FeedbackErased.create(
        FeedbackErasedData(
            erasure_id=erasure_id,
            account_id="acme",
            feedback_ids=list(feedback_ids),
            part=1,
            parts=1,
            reason="GDPR request",
            requested_by="dpo",
        ),
        source="feedback",
    )


async def test_redelivered_events_do_not_change_aggregates(insights, jetstream):
    events = [
        ingested("The CSV export cuts off our custom fields", account_id="acme"),
        ingested("L'export Excel n'a pas les bons accents", account_id="globex", arr_minor=5_000_000),
        ingested("Export to Google Sheets please", account_id="acme"),
    ]
    await publish(jetstream, *events)
    await eventually(lambda: _items(insights, 3), what="items classified")
    await eventually(lambda: settled(jetstream), what="consumed")
    before = await snapshot(insights)

    for (
        event
    ) in events:  # the same events again, as a producer retry outside the duplicate window stores them
        await jetstream.publish(event.subject, event.to_json(), headers={MSG_ID: f"retry-{event.id}"})
    await eventually(lambda: settled(jetstream), what="redeliveries consumed")

    assert await snapshot(insights) == before
    export = await day_doc(insights, "theme", "data-export")
    assert (export["items"], export["unique_accounts"], export["arr"]) == (3, 2, {"EUR": 6_000_000})
    assert await members(insights, "data-export") == {"acme": 2, "globex": 1}
    assert (await day_doc(insights, "area", "reporting"))["items"] == 3


async def test_an_edited_item_moves_its_contribution_instead_of_counting_twice(insights, jetstream):
    await publish(jetstream, ingested("The CSV export cuts off after 10,000 rows", feedback_id="fb-edit"))
    await eventually(lambda: _items(insights, 1), what="classified")
    await publish(
        jetstream,
        ingested(
            "Actually the problem is SAML single sign-on with Okta failing", feedback_id="fb-edit", revision=2
        ),
    )

    async def moved() -> bool:
        doc = await insights.db["items"].find_one({"_id": "fb-edit"})
        return doc["revision"] == 2

    await eventually(moved, what="revision 2 applied")
    export, sso = await day_doc(insights, "theme", "data-export"), await day_doc(insights, "theme", "sso")
    assert (export["items"], export["unique_accounts"], export["arr"]["EUR"]) == (0, 0, 0)
    assert (sso["items"], sso["unique_accounts"], sso["arr"]["EUR"]) == (1, 1, 1_000_000)
    assert await members(insights, "data-export") == {}
    assert await members(insights, "sso") == {"acme": 1}

    # A late copy of revision 1 changes nothing.
    await publish(jetstream, ingested("The CSV export cuts off after 10,000 rows", feedback_id="fb-edit"))
    await eventually(lambda: settled(jetstream), what="late revision consumed")
    assert (await day_doc(insights, "theme", "sso"))["items"] == 1


async def test_erased_feedback_leaves_the_aggregates_and_cannot_come_back(insights, jetstream):
    first = ingested("Slack notifications arrive twice", feedback_id="fb-gone", account_id="acme")
    await publish(
        jetstream, first, ingested("Post to our Slack channel when a project is late", account_id="acme")
    )
    await eventually(lambda: _items(insights, 2), what="classified")

    await publish(jetstream, erasure("fb-gone"))
    await eventually(lambda: _items(insights, 1), what="erased")
    await jetstream.publish(first.subject, first.to_json(), headers={MSG_ID: "late-copy"})
    await eventually(lambda: settled(jetstream), what="late copy consumed")

    slack = await day_doc(insights, "theme", "slack-notifications")
    assert (slack["items"], slack["unique_accounts"]) == (1, 1)
    assert await members(insights, "slack-notifications") == {"acme": 1}
    assert await insights.db["items"].find_one({"_id": "fb-gone"}) == {"_id": "fb-gone", "erased": True}
    assert (await insights.http.get("/v1/items/fb-gone")).status_code == 404


async def test_an_account_counts_once_per_bucket_and_leaves_it_with_its_last_item(insights, jetstream):
    texts = [
        "The CSV export cuts off our custom fields",
        "Export to Google Sheets please",
        "The Excel export has broken accents",
    ]
    await publish(
        jetstream,
        *[
            ingested(t, feedback_id=f"fb-acme-{n}", account_id="acme", arr_minor=1_000_000)
            for n, t in enumerate(texts)
        ],
        ingested("Our CSV export misses the totals", account_id="globex", arr_minor=300_000, currency="USD"),
    )
    await eventually(lambda: _items(insights, 4), what="classified")
    export = await day_doc(insights, "theme", "data-export")
    assert (export["items"], export["unique_accounts"], export["arr"]) == (
        4,
        2,
        {"EUR": 1_000_000, "USD": 300_000},
    )
    trend = (
        await insights.http.get("/v1/themes/data-export/trend", params={"period": "day", "buckets": 1})
    ).json()
    assert trend["points"][0]["unique_accounts"] == 2

    await publish(jetstream, erasure("fb-acme-0", "fb-acme-1"))
    await eventually(lambda: _items(insights, 2), what="two of acme's items erased")
    export = await day_doc(insights, "theme", "data-export")
    assert (export["items"], export["unique_accounts"], export["arr"]["EUR"]) == (2, 2, 1_000_000)

    await publish(jetstream, erasure("fb-acme-2", erasure_id="er-2"))
    await eventually(lambda: _items(insights, 1), what="acme's last item erased")
    export = await day_doc(insights, "theme", "data-export")
    assert (export["items"], export["unique_accounts"], export["arr"]) == (1, 1, {"EUR": 0, "USD": 300_000})
    assert await members(insights, "data-export") == {"globex": 1}


async def test_bucket_documents_keep_their_shape_however_many_accounts_ask(insights, jetstream):
    await publish(jetstream, ingested("The CSV export cuts off our custom fields", account_id="first"))
    await eventually(lambda: _items(insights, 1), what="first item")
    alone = {d["_id"]: d for d in (await snapshot(insights))[0]}

    await publish(
        jetstream,
        *[ingested("The CSV export cuts off our custom fields", account_id=f"acc-{n}") for n in range(40)],
    )
    await eventually(lambda: _items(insights, 41), what="forty more accounts")
    crowded = {d["_id"]: d for d in (await snapshot(insights))[0]}

    assert set(crowded) == set(alone)
    assert {i: shape(d) for i, d in crowded.items()} == {i: shape(d) for i, d in alone.items()}
    assert (await day_doc(insights, "theme", "data-export"))["unique_accounts"] == 41
    assert len(await members(insights, "data-export")) == 41


def shape(doc: dict) -> object:
    """A document's field paths, without values."""
    return {k: shape(v) for k, v in doc.items()} if isinstance(doc, dict) else None


async def seed_previous_version(uri: str, database: str, start: datetime, day_id: str) -> None:
    """Buckets holding a map of every account, items without unassigned_at, and the indexes they had."""
    client = AsyncMongoClient(uri, tz_aware=True)
    db = client[database]
    await db["aggregates"].insert_many(
        [
            {
                "_id": day_id,
                "scope": "theme",
                "key": "sso",
                "period": "day",
                "start": start,
                "items": 3,
                "accounts": {
                    "acme%2Eio": {"n": 2, "arr": 700, "currency": "EUR", "segment": "smb"},
                    "globex": {"n": 1, "arr": 300, "currency": "USD", "segment": None},
                    "gone": {"n": 0, "arr": 999, "currency": "EUR", "segment": None},
                },
            },
            {
                "_id": "area:identity:day:x",
                "scope": "area",
                "key": "identity",
                "period": "day",
                "start": start,
                "items": 3,
                "accounts": {"globex": {"n": 1}},
            },
        ]
    )
    await db["items"].insert_many(
        [
            {"_id": "old-1", "unassigned": True, "occurred_at": start, "text": "dark mode"},
            {"_id": "old-2", "unassigned": False, "occurred_at": start, "text": "sso"},
        ]
    )
    await db["items"].create_index([("classification.taxonomy_version", 1)])
    await db["items"].create_index([("unassigned", 1), ("occurred_at", 1)])
    await client.close()


async def test_data_written_by_the_previous_version_is_upgraded_at_start(
    nats_server, mongo_server, database_name, jetstream
):
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day_id = f"theme:sso:day:{start.strftime('%Y-%m-%dT%H')}"
    await seed_previous_version(mongo_server.uri, database_name, start, day_id)

    async with running(create(insights_settings(nats_server, mongo_server, database_name))) as svc:

        async def upgraded() -> bool:
            return (
                await svc.db["job_runs"].count_documents(
                    {"_id": {"$in": ["aggregates-memberships", "items-unassigned-index"]}}
                )
                == 2
            )

        await eventually(upgraded, what="previous data upgraded")
        bucket = await svc.db["aggregates"].find_one({"_id": day_id})
        assert "accounts" not in bucket
        assert (bucket["items"], bucket["unique_accounts"], bucket["arr"]) == (3, 2, {"EUR": 700, "USD": 300})
        assert await members(svc, "sso") == {"acme.io": 2, "globex": 1}
        assert "accounts" not in await svc.db["aggregates"].find_one({"_id": "area:identity:day:x"})
        assert [
            d["_id"] for d in await svc.db["items"].find({"unassigned_at": {"$exists": True}}).to_list(None)
        ] == ["old-1"]
        indexes = {i["name"] async for i in await svc.db["items"].list_indexes()}
        assert not indexes & {"classification.taxonomy_version_1", "unassigned_1_occurred_at_1"}
