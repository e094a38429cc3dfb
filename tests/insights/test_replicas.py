"""Several replicas of insights on one database, sharing the classifier's durable consumer: a burst is counted
exactly as one replica counts it, and raises exactly one spike insight per theme that spiked."""

import json

import pytest
from terrain_contracts import streams, subjects
from terrain_contracts.events.feedback import FeedbackIngested
from terrain_dev.probes import consumer_settled, stored_messages
from terrain_dev.testing import fast_consumers, publish, running
from terrain_dev.waiting import eventually
from terrain_insights.main import create

from .conftest import TAXONOMY_YAML, ingested, insights_settings

pytestmark = pytest.mark.integration

TEXTS = [
    "The invoice PDF shows the wrong VAT amount",
    "Our invoice is missing the purchase order number",
    "La facture de ce mois contient une erreur de TVA",
    "Invoice totals do not match the quote",
    "The CSV export cuts off our custom fields",
    "Export to Google Sheets please",
    "SAML SSO with Okta is required",
    "Slack notifications arrive twice",
]


def burst() -> list[FeedbackIngested]:
    """Live feedback, invoices above all, accounts sending several items each."""
    return [
        ingested(
            TEXTS[n % 4] if n % 3 else TEXTS[4 + n % 4],
            feedback_id=f"fb-{n}",
            account_id=f"acc-{n % 9}",
            arr_minor=1_000_000 * (1 + n % 9),
        )
        for n in range(72)
    ]


def settings(nats_server, mongo_server, database: str, instance: str):
    # Small fetches, so both replicas pull parts of the burst and commit batches side by side.
    return insights_settings(
        nats_server,
        mongo_server,
        database,
        instance=instance,
        consumer=fast_consumers(batch_size=6, ack_wait_seconds=10),
    )


async def consumed(js, expected_items: int, *services) -> bool:
    if not await consumer_settled(js, streams.FEEDBACK, "insights-classifier"):
        return False
    return await services[0].db["items"].count_documents({}) == expected_items


async def counts(svc) -> tuple[list[dict], list[dict]]:
    """Buckets and memberships without what depends on how events were batched (write counts, stamps, the
    latest item of a batch, float rounding)."""
    buckets = await svc.db["aggregates"].find({}, {"touched_at": 0, "writes": 0}).sort("_id", 1).to_list(None)
    for bucket in buckets:  # float sums depend on the order of the increments
        bucket["sentiment_sum"] = round(bucket.get("sentiment_sum", 0.0), 6)
    members = await svc.db["bucket_accounts"].find({}, {"feedback_id": 0}).sort("_id", 1).to_list(None)
    return buckets, members


async def spikes_detected(js) -> list[dict]:
    found = [
        json.loads(m.data)["data"]["insight"]
        for m in await stored_messages(js, streams.INSIGHTS, subjects.INSIGHT_DETECTED)
    ]
    return [i for i in found if i["kind"] == "spike"]


async def test_two_replicas_count_a_burst_as_one_does_and_raise_one_spike_per_theme(
    nats_server, mongo_server, database_name, jetstream
):
    async with (
        running(create(settings(nats_server, mongo_server, database_name, "replica-a"))) as a,
        running(create(settings(nats_server, mongo_server, database_name, "replica-b"))) as b,
    ):
        imported = await a.http.post(
            "/v1/taxonomy/import", content=TAXONOMY_YAML, headers={"Content-Type": "application/yaml"}
        )
        assert imported.status_code == 201, imported.text
        await publish(jetstream, *burst())
        await eventually(
            lambda: consumed(jetstream, 72, a, b), what="burst consumed by the replicas", timeout=60
        )
        # Both took part: each built its own baselines while detecting spikes in the batches it committed.
        assert a.app.state.context.baselines and b.app.state.context.baselines
        replicated = await counts(a)
        # One spike insight per theme that spiked, however the replicas shared its items.
        spikes = await spikes_detected(jetstream)
        themes = [s["theme"] for s in spikes]
        assert "invoices" in themes and len(themes) == len(set(themes))
        stored = await a.db["insights"].find({"kind": "spike"}).to_list(None)
        assert sorted(s["insight_id"] for s in stored) == sorted(s["insight_id"] for s in spikes)
        assert await a.db["situations"].count_documents({"_id": {"$regex": "^spike:"}}) == len(spikes)

    alone_db = f"{database_name}_alone"
    async with running(create(settings(nats_server, mongo_server, alone_db, "alone"))) as alone:
        await alone.http.post(
            "/v1/taxonomy/import", content=TAXONOMY_YAML, headers={"Content-Type": "application/yaml"}
        )
        await publish(jetstream, *[FeedbackIngested.create(e.data, source="feedback") for e in burst()])
        await eventually(
            lambda: consumed(jetstream, 72, alone), what="burst consumed by one replica", timeout=60
        )
        single = await counts(alone)
        await alone.service.mongo.drop_database(alone_db)

    assert replicated == single
    invoices = next(b for b in replicated[0] if b["_id"].startswith("theme:invoices:day:"))
    assert (invoices["items"], invoices["unique_accounts"]) == (48, 6)
