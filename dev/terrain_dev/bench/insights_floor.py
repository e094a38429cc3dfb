"""Where the insights classifier's per-event cost goes: the same burst with the handler's work cut down.

    .venv/bin/python -m terrain_dev.bench.insights_floor [--size 10000] [--events 1000]

One run, one history (seeded as ``insights_per_event`` seeds it), three
services started one after the other on it, each consuming its own burst:

- ``kit only``: the handler does nothing (the kit's guard, processed-markers,
  transaction, ack);
- ``+ classified event``: the handler emits the ``feedback.classified`` each
  item owes through the outbox, nothing else;
- ``insights``: the real handler (classification, items, aggregates,
  detectors).

The differences say what the kit, the outbox and insights' own work cost per
event on this machine.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel
from terrain_insights.domain.classify import Classification
from terrain_insights.handlers import feedback
from terrain_insights.handlers.feedback import classified_event

from terrain_dev.bench import insights_per_event as bench
from terrain_dev.bench.common import print_report, raw_jetstream, servers
from terrain_dev.bench.insights_history import seed

UNCLASSIFIED = Classification(1, [], FeedbackCategory.bug, SentimentLabel.negative, -0.4)


async def nothing(uow, events, context) -> None:
    return None


async def emit_only(uow, events, context) -> None:
    for event in events:
        uow.emit(classified_event(event.data.feedback_id, event.data.revision, UNCLASSIFIED, "en", event))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    real = feedback.ingest
    rows = []
    with servers() as running_servers:
        raw = await raw_jetstream(running_servers.nats.url)
        database = f"bench_insights_floor_{int(time.time())}"
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(running_servers.mongo.uri, tz_aware=True)
        seeded = await seed(client[database], args.size, 3600)
        await bench.hold_periodic_jobs(client[database])
        for tag, label, handler in (
            ("kit", "kit only", nothing),
            ("emit", "+ classified event", emit_only),
            ("insights", "insights", real),
        ):
            feedback.ingest = handler
            async with bench.started(running_servers.nats, running_servers.mongo, database) as svc:
                past = datetime.now(UTC) - timedelta(hours=3)
                await bench.burst(svc, bench._events(20, past, f"warm-{tag}"))
                per_event, what = await bench.burst(svc, bench._events(args.events, past, tag))
            print(f"{label}: {per_event:.2f} ms per event; {what}", flush=True)
            rows.append((f"{label}: per event", per_event, "ms"))
        feedback.ingest = real
        await client.drop_database(database)
        await client.close()
    print_report(
        f"Insights classifier cost breakdown ({seeded:,} stored items, {args.events} events)", raw, rows
    )


if __name__ == "__main__":
    asyncio.run(main())
