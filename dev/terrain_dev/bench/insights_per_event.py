"""Per-event processing cost of the insights classifier consumer with 10k and with 1M stored items.

    .venv/bin/python -m terrain_dev.bench.insights_per_event [--sizes 10000 1000000] [--events 500]

For each size: a fresh database is seeded with that many classified items and
their day buckets by bulk inserts (not through the pipeline), the service
starts, ``--events`` feedback.ingested events are published at once and the
time until the consumer has acknowledged them all is measured. The raw
JetStream pull-consume rate of the same messages (nats-py, fetch 256 + ack)
is measured in the same run as the ceiling. ``--max-seed-seconds`` bounds
the seeding: the size actually reached is printed.
"""

import argparse
import asyncio
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nats
from pymongo import AsyncMongoClient

from terrain_contracts import streams
from terrain_dev.probes import consumer_settled
from terrain_dev.servers import MongoServer, NatsServer, free_port
from terrain_dev.testing import publish, running, settings_for
from terrain_insights.main import create
from terrain_insights.settings import InsightsHttp, InsightsSettings, PeriodicSettings
from terrain_insights.store import AGGREGATES, ITEMS, TAXONOMY
from terrain_insights.taxonomy import from_yaml

ROOT = Path(__file__).resolve().parents[3]
TAXONOMY_YAML = ROOT / "services" / "insights" / "evaluation" / "taxonomy.yaml"
SEED_CHUNK = 5000


def _texts() -> list[str]:
    import json

    lines = (ROOT / "services" / "insights" / "evaluation" / "labelled.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["text"] for line in lines.splitlines() if line.strip()]


async def seed(db, size: int, max_seconds: float) -> int:
    taxonomy = from_yaml(TAXONOMY_YAML.read_text(encoding="utf-8"))
    await db[TAXONOMY].insert_one({"_id": 1, **taxonomy.content(), "created_at": datetime.now(timezone.utc),
                                   "created_by": "bench", "note": None})
    themes = [(area, t.slug) for area, t in taxonomy.themes]
    texts = _texts()
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    start = time.perf_counter()
    done = 0
    while done < size and time.perf_counter() - start < max_seconds:
        docs = []
        for n in range(done, min(size, done + SEED_CHUNK)):
            area, theme = themes[n % len(themes)]
            at = now - timedelta(days=1 + rng.random() * 89)
            docs.append({"_id": f"seed-{n:08d}", "revision": 1, "text": texts[n % len(texts)], "occurred_at": at,
                         "account": {"account_id": f"acc-{n % 5000}", "arr": 1_000_000, "currency": "EUR",
                                     "segment": "smb", "renewal_date": None},
                         "classification": {"taxonomy_version": 1, "category": "bug", "sentiment": "negative",
                                            "sentiment_score": -0.5, "language": "en",
                                            "themes": [{"theme": theme, "product_area": area, "confidence": 0.5}]},
                         "unassigned": False,
                         "contribution": {"themes": [theme], "areas": [area], "at": at, "account": f"acc-{n % 5000}",
                                          "arr": 1_000_000, "currency": "EUR", "segment": "smb", "sentiment": -0.5,
                                          "label": "negative", "category": "bug"}})
        await db[ITEMS].insert_many(docs, ordered=False)
        done += len(docs)
    # Day buckets of the history: one per theme and day over 90 days, as the pipeline would have left them.
    buckets = [{"_id": f"theme:{t}:day:{(now - timedelta(days=d)).strftime('%Y-%m-%dT00')}", "scope": "theme",
                "key": t, "period": "day", "start": (now - timedelta(days=d)).replace(hour=0, minute=0, second=0,
                                                                                      microsecond=0),
                "items": done // (90 * len(themes)), "sentiment_sum": 0.0,
                "accounts": {f"acc-{k}": {"n": 1, "arr": 1_000_000, "currency": "EUR", "segment": "smb"}
                             for k in range(d % 7, 5000, 97)}}
               for _, t in themes for d in range(1, 91)]
    await db[AGGREGATES].insert_many(buckets, ordered=False)
    return done


def _events(count: int):
    from terrain_contracts.events.feedback import (AccountSnapshot, FeedbackIngested, FeedbackIngestedData,
                                                   FeedbackKind, IntakeChannel, Reporter, ReporterRole)
    from terrain_contracts import Money

    texts = _texts()
    now = datetime.now(timezone.utc)
    return [FeedbackIngested.create(FeedbackIngestedData(
        feedback_id=f"bench-{n}", revision=1, source="bench", external_id=f"b-{n}", channel=IntakeChannel.event,
        kind=FeedbackKind.customer, reporter=Reporter(name="Bench", role=ReporterRole.customer),
        account=AccountSnapshot(account_id=f"acc-{n % 300}", name="Account", segment="smb",
                                arr=Money(amount_minor=1_000_000, currency="EUR")),
        text=texts[n % len(texts)], occurred_at=now - timedelta(days=2), ingested_at=now), source="bench")
        for n in range(count)]


async def raw_consume_rate(url: str, events) -> float:
    connection = await nats.connect(url)
    js = connection.jetstream()
    await js.add_stream(name="BENCHRAW", subjects=["bench.raw"])
    for event in events:
        await js.publish("bench.raw", event.to_json())
    sub = await js.pull_subscribe("bench.raw", durable="bench-raw", stream="BENCHRAW")
    started, got = time.perf_counter(), 0
    while got < len(events):
        for msg in await sub.fetch(256, timeout=5):
            await msg.ack()
            got += 1
    rate = got / (time.perf_counter() - started)
    await js.delete_stream("BENCHRAW")
    await connection.close()
    return rate


def _batches() -> tuple[float, float]:
    """(batches committed, events in them) by the classifier consumer so far, from the kit's histogram."""
    from prometheus_client import REGISTRY

    labels = {"consumer": "insights-classifier"}
    return (REGISTRY.get_sample_value("terrain_consumer_batch_size_count", labels) or 0.0,
            REGISTRY.get_sample_value("terrain_consumer_batch_size_sum", labels) or 0.0)


async def measure(nats_server, mongo_server, size: int, events: int, max_seed: float) -> tuple[int, float]:
    database = f"bench_insights_{size}_{int(time.time())}"
    client = AsyncMongoClient(mongo_server.uri)
    started = time.perf_counter()
    seeded = await seed(client[database], size, max_seed)
    print(f"  seeded {seeded} items in {time.perf_counter() - started:.0f}s", flush=True)
    settings = settings_for(InsightsSettings, nats_server, mongo_server, database, http=InsightsHttp(port=free_port()),
                            periodic=PeriodicSettings(detectors_interval_seconds=3600,
                                                      clustering_interval_seconds=3600))
    batch = _events(events)
    async with running(create(settings)) as svc:
        js = svc.service.jetstream()
        await publish(js, *_events(20))  # warm-up: classifier built, caches filled
        while not await consumer_settled(js, streams.FEEDBACK, "insights-classifier"):
            await asyncio.sleep(0.05)
        batches_before = _batches()
        started = time.perf_counter()
        await publish(js, *batch)
        while not await consumer_settled(js, streams.FEEDBACK, "insights-classifier"):
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        count, total = (after - before for after, before in zip(_batches(), batches_before))
        print(f"  {count:.0f} batches, {total / max(count, 1):.1f} events per batch on average", flush=True)
    await client.drop_database(database)
    await client.close()
    return seeded, elapsed / events * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--max-seed-seconds", type=float, default=900.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        nats_server = NatsServer(data_dir=Path(tmp) / "nats").start()
        mongo_server = MongoServer(data_dir=Path(tmp) / "mongo").start()
        try:
            results = []
            for size in args.sizes:
                print(f"{size} stored items:", flush=True)
                seeded, per_event = await measure(nats_server, mongo_server, size, args.events,
                                                  args.max_seed_seconds)
                print(f"  {per_event:.2f} ms per event ({1000 / per_event:.0f} events/s) with {seeded} stored items",
                      flush=True)
                results.append((seeded, per_event))
            raw = await raw_consume_rate(nats_server.url, _events(args.events * 4))
        finally:
            nats_server.stop()
            mongo_server.stop()
    print("\nper-event cost (insights-classifier: classify, aggregates, detectors, outbox, ack)")
    for seeded, per_event in results:
        print(f"  {seeded:>9} stored items: {per_event:7.2f} ms/event")
    if len(results) >= 2:
        print(f"  ratio {results[-1][0]} vs {results[0][0]} items: {results[-1][1] / results[0][1]:.2f}")
    print(f"raw JetStream pull consume (fetch 256 + ack), same run: {raw:,.0f} msg/s")


if __name__ == "__main__":
    asyncio.run(main())
