"""Per-event processing cost of the insights classifier consumer with 10k and with 1M stored items.

    .venv/bin/python -m terrain_dev.bench.insights_per_event [--sizes 10000 1000000] [--events 1000]

In one run, against one nats-server and one SecantusDB: the raw JetStream
rate (``common.raw_jetstream``), then for each size a fresh database seeded
with that history and the service consuming bursts of ``feedback.ingested``.

History: ``size`` classified items spread over the 90 days before today
(14 themes, 5,000 accounts), with the hour and day buckets and account
memberships the pipeline would have written for them (built with the
service's own ``Ops``), the kit's processed-markers of the last 30 days and
one day of published outbox entries. Seeded by ``insert_many`` in chunks,
day by day, with progress; ``--max-seed-seconds`` stops it after the day
being written, and the size reached is reported.

Bursts: ``--events`` items published at once, timed until the consumer has
acknowledged them all; once with items that occurred 3 hours ago (no spike
check: the same work at every size) and once with live items (the spike
detector reads its window; at a small history the burst is itself a spike
and raises insights). The periodic detectors are held off by a lease the
benchmark holds; then passes of the unowned-demand detector over the themes
the bursts touched are timed on their own: a cold one (a replica that just
took the lease reads each theme's 30-day window whole) and a warm one after
another small burst (only the day buckets written since are read).
"""

import argparse
import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from pymongo import AsyncMongoClient
from terrain_contracts import Money, streams
from terrain_contracts.events.feedback import (
    AccountSnapshot,
    FeedbackIngested,
    FeedbackIngestedData,
    FeedbackKind,
    IntakeChannel,
    Reporter,
    ReporterRole,
)
from terrain_insights.classify import Classification, ThemeMatch
from terrain_insights.domain.aggregates import Account, Ops, bucket_start, contribution
from terrain_insights.handlers import periodic
from terrain_insights.handlers.windows import DemandWindows
from terrain_insights.jobs import UNOWNED_CHUNK
from terrain_insights.main import create
from terrain_insights.settings import InsightsHttp, InsightsSettings, PeriodicSettings
from terrain_insights.store import (
    AGGREGATES,
    INDEXES,
    INSIGHTS,
    ITEMS,
    JOB_RUNS,
    MEMBERSHIPS,
    TAXONOMY,
    upgrade,
)
from terrain_insights.taxonomy import from_yaml
from terrain_kit.leases import LEASES
from terrain_kit.mongo import ensure_indexes
from terrain_kit.settings import ConsumerSettings, OutboxSettings
from terrain_kit.uow import OUTBOX, PROCESSED, kit_indexes

from terrain_dev.bench.common import print_report, raw_jetstream, servers
from terrain_dev.probes import consumer_settled
from terrain_dev.servers import free_port
from terrain_dev.testing import RunningService, publish, running, settings_for

ROOT = Path(__file__).resolve().parents[3]
EVALUATION = ROOT / "services" / "insights" / "evaluation"
HISTORY_DAYS = 90
PROCESSED_DAYS = 29  # the kit keeps processed-markers 30 days (none expires during the run)
ACCOUNTS = 5000
CHUNK = 10_000
CONSUMER = "insights-classifier"


def _texts() -> list[str]:
    lines = (EVALUATION / "labelled.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _flatten(update: dict[str, Any], _id: str) -> dict[str, Any]:
    """The document an upsert of ``update`` creates in an empty collection."""
    doc: dict[str, Any] = {"_id": _id, **update.get("$setOnInsert", {}), **update.get("$max", {})}
    for path, amount in {**update.get("$inc", {}), **update.get("$set", {})}.items():
        *parents, leaf = path.split(".")
        target = doc
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = amount
    return doc


def history_day(
    day: datetime, count: int, first: int, themes: list[tuple[str, str]], texts: list[str], rng: random.Random
) -> tuple[list[dict], list[dict], list[dict]]:
    """One day of history: (items, buckets, memberships), as ingestion would have written them."""
    from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel

    ops, items = Ops(), []
    for n in range(first, first + count):
        area, theme = themes[rng.randrange(len(themes))]
        at = day + timedelta(seconds=rng.randrange(86_400))
        account = Account(
            f"acc-{rng.randrange(ACCOUNTS)}",
            1_000_000 * rng.randint(1, 20),
            "EUR",
            rng.choice(["smb", "mid_market", "enterprise"]),
        )
        result = Classification(
            1, [ThemeMatch(theme, area, 0.4)], FeedbackCategory.bug, SentimentLabel.negative, -0.4
        )
        contrib = contribution(result, at, account)
        feedback_id = f"seed-{n:08d}"
        ops.add(contrib, +1, feedback_id)
        items.append(
            {
                "_id": feedback_id,
                "revision": 1,
                "text": texts[n % len(texts)],
                "occurred_at": at,
                "language": "en",
                "account": {
                    "account_id": account.account_id,
                    "arr": account.arr_minor,
                    "currency": "EUR",
                    "segment": account.segment,
                    "renewal_date": None,
                },
                "classification": {
                    "taxonomy_version": 1,
                    "category": "bug",
                    "sentiment": "negative",
                    "sentiment_score": -0.4,
                    "language": "en",
                    "themes": [{"theme": theme, "product_area": area, "confidence": 0.4}],
                },
                "unassigned": False,
                "contribution": contrib,
            }
        )
    members = list(ops.members.values())  # a fresh day: every membership appears
    buckets = [_flatten(update, doc_id) for doc_id, update in ops.bucket_updates(members, [], day)]
    memberships = [
        {
            "_id": member_id,
            "bucket": m.bucket,
            "key": m.key,
            "start": m.start,
            "account": m.account,
            "n": m.delta,
            "arr": m.arr,
            "currency": m.currency,
            "segment": m.segment,
            "feedback_id": m.feedback_id,
        }
        for member_id, m in ops.members.items()
    ]
    return items, buckets, memberships


async def _insert(collection, docs: list[dict]) -> None:
    for n in range(0, len(docs), CHUNK):
        await collection.insert_many(docs[n : n + CHUNK], ordered=False)


async def seed(db, size: int, max_seconds: float) -> int:
    """Seed ``size`` items of history (fewer if ``max_seconds`` runs out); the number seeded."""
    await ensure_indexes(db, [*kit_indexes(30, 24), *INDEXES])
    taxonomy = from_yaml((EVALUATION / "taxonomy.yaml").read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    await db[TAXONOMY].insert_one(
        {"_id": 1, **taxonomy.content(), "created_at": now, "created_by": "bench", "note": None}
    )
    # A system that has been running: upgraded, its unowned-demand detector up to date.
    await db[JOB_RUNS].insert_many(
        [
            {"_id": upgrade.BUCKETS_MARKER, "ran_at": now},
            {"_id": upgrade.ITEMS_MARKER, "ran_at": now},
            {"_id": periodic.UNOWNED_JOB, "ran_at": now, "themes": 0},
        ]
    )
    themes, texts, rng = [(area, t.slug) for area, t in taxonomy.themes], _texts(), random.Random(7)
    per_day = -(-size // HISTORY_DAYS)
    today = bucket_start(now, "day")
    started, done = time.perf_counter(), 0
    for back in range(HISTORY_DAYS, 0, -1):
        if done >= size or time.perf_counter() - started > max_seconds:
            break
        day = today - timedelta(days=back)
        items, buckets, memberships = history_day(day, min(per_day, size - done), done, themes, texts, rng)
        await _insert(db[ITEMS], items)
        await _insert(db[MEMBERSHIPS], memberships)
        await _insert(db[AGGREGATES], buckets)
        if back <= PROCESSED_DAYS:
            await _insert(
                db[PROCESSED], [{"_id": f"{CONSUMER}:{uuid4()}", "at": i["occurred_at"]} for i in items]
            )
        if back == 1:  # published outbox entries are kept a day
            sent = now - timedelta(hours=12)
            await _insert(
                db[OUTBOX],
                [
                    {
                        "_id": str(uuid4()),
                        "subject": "terrain.feedback.classified.v1",
                        "stream": streams.FEEDBACK,
                        "body": "{}",
                        "headers": {},
                        "created_at": sent,
                        "published_at": sent,
                    }
                    for _ in items
                ],
            )
        done += len(items)
        elapsed = time.perf_counter() - started
        if back % 10 == 0 or back == 1 or done >= size:
            print(
                f"    day -{back:2d}: {done:>9,} items, {len(memberships):,} memberships that day, "
                f"{elapsed:5.0f}s ({done / elapsed:,.0f} items/s)",
                flush=True,
            )
    return done


def _events(count: int, occurred_at: datetime, tag: str) -> list[FeedbackIngested]:
    texts, rng, now = _texts(), random.Random(tag), datetime.now(UTC)
    return [
        FeedbackIngested.create(
            FeedbackIngestedData(
                feedback_id=f"bench-{tag}-{n}",
                revision=1,
                source="bench",
                external_id=f"{tag}-{n}",
                channel=IntakeChannel.event,
                kind=FeedbackKind.customer,
                reporter=Reporter(name="Bench", role=ReporterRole.customer),
                account=AccountSnapshot(
                    account_id=f"acc-{rng.randrange(ACCOUNTS)}",
                    name="Account",
                    segment="smb",
                    arr=Money(amount_minor=1_000_000, currency="EUR"),
                ),
                text=texts[rng.randrange(len(texts))],
                occurred_at=occurred_at,
                ingested_at=now,
            ),
            source="bench",
        )
        for n in range(count)
    ]


def _batches() -> tuple[float, float]:
    """(batches committed, events in them) by the classifier consumer so far, from the kit's histogram."""
    from prometheus_client import REGISTRY

    labels = {"consumer": CONSUMER}
    return (
        REGISTRY.get_sample_value("terrain_consumer_batch_size_count", labels) or 0.0,
        REGISTRY.get_sample_value("terrain_consumer_batch_size_sum", labels) or 0.0,
    )


async def _insight_counts(db) -> tuple[int, int]:
    """(insights, versions written in all)."""
    docs = await db[INSIGHTS].find({}, {"version": 1}).to_list(None)
    return len(docs), sum(d["version"] for d in docs)


async def burst(svc, events: list[FeedbackIngested]) -> tuple[float, str]:
    """Milliseconds per event until the consumer acknowledged the burst, and what it did."""
    js = svc.service.jetstream()
    batches_before, insights_before = _batches(), await _insight_counts(svc.db)
    started = time.perf_counter()
    await publish(js, *events)
    while not await consumer_settled(js, streams.FEEDBACK, CONSUMER):
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    count, total = (after - before for after, before in zip(_batches(), batches_before, strict=True))
    insights_after = await _insight_counts(svc.db)
    raised = insights_after[0] - insights_before[0]
    updated = insights_after[1] - insights_before[1] - raised
    return elapsed / len(events) * 1000, (
        f"{count:.0f} batches of {total / max(count, 1):.0f} events, "
        f"{raised} insights raised, {updated} updates"
    )


async def unowned_pass(svc, windows: DemandWindows) -> tuple[float, int]:
    """Seconds for one pass of the unowned-demand detector, as its job runs it, and the themes it looked at."""
    ctx, run = svc.app.state.insights, svc.service.transactions.run
    started = time.perf_counter()
    touched, _ = await run(lambda uow: periodic.buckets_touched(uow, ctx))
    themes = windows.changed(touched)
    for n in range(0, len(themes), UNOWNED_CHUNK):
        chunk = themes[n : n + UNOWNED_CHUNK]
        await run(lambda uow, chunk=chunk: periodic.unowned_demand(uow, ctx, windows, chunk))
    return time.perf_counter() - started, len(themes)


async def hold_periodic_jobs(db) -> None:
    """Take the periodic detectors' and clustering's leases for a day: they stay out of the measurement."""
    far = datetime.now(UTC) + timedelta(days=1)
    await db[LEASES].insert_many(
        [
            {"_id": name, "holder": "bench", "expires_at": far}
            for name in ("insights-detectors", "insights-clustering")
        ]
    )


@asynccontextmanager
async def started(nats_server, mongo_server, database: str) -> AsyncIterator[RunningService]:
    """The service on this database with the production consumer and outbox settings."""
    settings = settings_for(
        InsightsSettings,
        nats_server,
        mongo_server,
        database,
        http=InsightsHttp(port=free_port()),
        consumer=ConsumerSettings(),
        outbox=OutboxSettings(),
        periodic=PeriodicSettings(
            unowned_interval_seconds=3600, detectors_interval_seconds=3600, clustering_interval_seconds=3600
        ),
    )
    async with running(create(settings)) as svc:
        yield svc


async def measure(nats_server, mongo_server, size: int, events: int, max_seed: float) -> dict[str, Any]:
    database = f"bench_insights_{size}_{int(time.time())}"
    client = AsyncMongoClient(mongo_server.uri, tz_aware=True)
    print(f"{size:,} stored items: seeding", flush=True)
    started_at = time.perf_counter()
    seeded = await seed(client[database], size, max_seed)
    print(f"  seeded {seeded:,} items in {time.perf_counter() - started_at:.0f}s", flush=True)
    await hold_periodic_jobs(client[database])
    result: dict[str, Any] = {"seeded": seeded}
    async with started(nats_server, mongo_server, database) as svc:
        now = datetime.now(UTC)
        await burst(svc, _events(20, now, f"warm-{size}"))  # classifier built, connections open
        for kind, occurred_at in (("past", now - timedelta(hours=3)), ("live", now)):
            per_event, what = await burst(svc, _events(events, occurred_at, f"{kind}-{size}"))
            print(
                f"  {kind} items: {per_event:.2f} ms per event ({1000 / per_event:,.0f} events/s); {what}",
                flush=True,
            )
            result[kind] = per_event
        # The detector's first pass reads each touched theme's 30-day window whole (a replica that just took
        # the lease); the next, after another burst, re-reads only the day buckets written since.
        windows = DemandWindows(svc.app.state.insights.detectors.demand_days)
        for kind in ("cold", "warm"):
            if kind == "warm":
                await burst(svc, _events(100, now, f"between-{size}"))
            seconds, themes = await unowned_pass(svc, windows)
            print(f"  unowned-demand pass ({kind}) over {themes} themes: {seconds:.2f}s", flush=True)
            result[f"unowned {kind}"] = seconds
    await client.drop_database(database)
    await client.close()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--max-seed-seconds", type=float, default=3600.0)
    args = parser.parse_args()
    with servers() as running_servers:
        raw = await raw_jetstream(running_servers.nats.url)
        print(f"raw JetStream pull consume + ack: {raw.consume_per_second:,.0f} msg/s", flush=True)
        results = [
            await measure(
                running_servers.nats, running_servers.mongo, size, args.events, args.max_seed_seconds
            )
            for size in args.sizes
        ]
    rows = []
    for r in results:
        for kind in ("past", "live"):
            rows.append((f"{r['seeded']:,} items, {kind} items: per event", r[kind], "ms"))
            rows.append((f"{r['seeded']:,} items, {kind} items: rate", 1000 / r[kind], "msg/s"))
        for kind in ("cold", "warm"):
            rows.append((f"{r['seeded']:,} items: unowned-demand pass, {kind}", r[f"unowned {kind}"], "s"))
    if len(results) >= 2:
        first, last = results[0], results[-1]
        for kind in ("past", "live"):
            rows.append(
                (
                    f"ratio {last['seeded']:,} / {first['seeded']:,} items, {kind}",
                    last[kind] / first[kind],
                    "x",
                )
            )
    print_report(
        "Insights per-event cost (insights-classifier: classify, aggregates, detectors, outbox, ack)",
        raw,
        rows,
    )


if __name__ == "__main__":
    asyncio.run(main())
