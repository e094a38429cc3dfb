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
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

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
from terrain_insights.handlers import periodic
from terrain_insights.handlers.windows import DemandWindows
from terrain_insights.jobs.detectors import UNOWNED_CHUNK
from terrain_insights.main import create
from terrain_insights.settings import InsightsHttp, InsightsSettings, PeriodicSettings
from terrain_insights.store import (
    INSIGHTS,
)
from terrain_kit.leases import LEASES
from terrain_kit.settings import ConsumerSettings, OutboxSettings

from terrain_dev.bench.common import print_report, raw_jetstream, servers
from terrain_dev.bench.insights_history import ACCOUNTS, CONSUMER, seed, texts
from terrain_dev.probes import consumer_settled
from terrain_dev.servers import free_port
from terrain_dev.testing import RunningService, publish, running, settings_for
from terrain_dev.waiting import eventually


def _events(count: int, occurred_at: datetime, tag: str) -> list[FeedbackIngested]:
    lines, rng, now = texts(), random.Random(tag), datetime.now(UTC)
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
                text=lines[rng.randrange(len(lines))],
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
    await eventually(
        lambda: consumer_settled(js, streams.FEEDBACK, CONSUMER),
        timeout=3600,
        interval=0.02,
        what="the burst acknowledged",
    )
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
    """Seconds for one pass of the unowned-demand detector, as its job runs it,
    and the themes it looked at."""
    ctx, run = svc.app.state.context, svc.service.transactions.run
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
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_server.uri, tz_aware=True)
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
        windows = DemandWindows(svc.app.state.context.detectors.demand_days)
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
