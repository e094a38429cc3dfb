"""Benchmark: sustained ingest rate of one feedback process beside the raw JetStream consume rate.

    .venv/bin/python -m terrain_dev.bench.feedback_ingest --messages 20000

Starts its own nats-server and Mongo-wire server on free ports (data in a
temporary folder), then, in the same run:

1. raw: the reference every benchmark prints (``common.raw_jetstream``: 20,000
   messages of 500 B published, then a nats-py pull consumer doing fetch(256) + ack);
2. ingest: starts one feedback service process (``python -m terrain_feedback``),
   publishes N submissions (50 customers, distinct texts) and times from the first
   publish until the service has stored all N items (batched consume, bulk writes,
   near-duplicate checks, outbox) and the last feedback.ingested is published.

Prints both rates and the ratio of ingest to raw consume.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
from pymongo import AsyncMongoClient
from terrain_contracts import Event, streams
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackIngested,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)
from terrain_contracts.headers import MSG_ID
from terrain_contracts.types import utcnow

from ..servers import MongoServer, NatsServer, free_port
from ..waiting import eventually
from .common import print_report, raw_jetstream, servers

TOPICS = [
    "exports time out on large reports",
    "dark mode on the mobile app",
    "SAML single sign-on with Okta",
    "the purchase order number on invoices",
    "an audit log of permission changes",
    "bulk editing of projects",
    "Slack alerts for failed syncs",
    "higher API rate limits",
]


def submissions(count: int, customers: int = 1000) -> list[FeedbackSubmitted]:
    """Feedback from ``customers`` customers spread over the past year (the 30-day duplicate window then
    holds a few earlier items per customer, as in a real history)."""
    now = utcnow()
    return [
        FeedbackSubmitted.create(
            FeedbackSubmittedData(
                source="bench",
                external_id=f"B-{n}",
                kind=FeedbackKind.customer,
                reporter=Reporter(
                    name=f"Customer {n}", email=f"user{n}@cust{n % customers}.com", role=ReporterRole.customer
                ),
                customer=CustomerRef(email=f"user{n}@cust{n % customers}.com"),
                text=f"Request {n}: we would like {TOPICS[n % len(TOPICS)]}, ticket {n * 7919 % 100000} "
                f"from team {n % 13}.",
                occurred_at=now - timedelta(minutes=n * 7919 % 525_600),
            ),
            source="bench",
        )
        for n in range(count)
    ]


async def publish_all(
    js, events: Sequence[Event], subject: str | None = None, stream: str = streams.FEEDBACK
) -> None:
    for start in range(0, len(events), 1000):
        await asyncio.gather(
            *(
                js.publish(subject or e.subject, e.to_json(), stream=stream, headers={MSG_ID: str(e.id)})
                for e in events[start : start + 1000]
            )
        )


async def ingest_rate(
    nats_server: NatsServer, mongo: MongoServer, events: list[FeedbackSubmitted], log: Path
) -> float:
    port = free_port()
    env = {
        **os.environ,
        "FEEDBACK_NATS__URL": nats_server.url,
        "FEEDBACK_MONGO__URI": mongo.uri,
        "FEEDBACK_MONGO__DATABASE": "bench_feedback",
        "FEEDBACK_HTTP__PORT": str(port),
        "FEEDBACK_TELEMETRY__LOG_LEVEL": "WARNING",
    }
    service = await asyncio.to_thread(_start_service, env, log)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.uri)
    feedback = client["bench_feedback"]["feedback"]
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        await eventually(lambda: _consumer_exists(js), timeout=60, what="feedback service ready")
        started = time.perf_counter()
        await publish_all(js, events)
        await eventually(
            lambda: _count_is(feedback, len(events)),
            timeout=1800,
            interval=0.5,
            what="every submission stored",
        )
        await eventually(
            lambda: _ingested_published(js, len(events)),
            timeout=600,
            interval=0.2,
            what="every feedback.ingested published",
        )
        return len(events) / (time.perf_counter() - started)
    finally:
        service.terminate()
        service.wait(30)
        await nc.close()
        await client.close()


def _start_service(env: dict[str, str], log: Path) -> subprocess.Popen:
    """The feedback service as a process, its output appended to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "terrain_feedback"], env=env, stdout=output, stderr=subprocess.STDOUT
        )


async def _consumer_exists(js) -> bool:
    try:
        await js.consumer_info(streams.FEEDBACK, "feedback-intake")
        return True
    except Exception:
        return False


async def _count_is(collection, expected: int) -> bool:
    return await collection.count_documents({}) >= expected


async def _ingested_published(js, expected: int) -> bool:
    info = await js.stream_info(streams.FEEDBACK, subjects_filter=FeedbackIngested.subject)
    return sum((info.state.subjects or {}).values()) >= expected


async def main(count: int) -> None:
    with servers() as running:
        raw = await raw_jetstream(running.nats.url)
        ingest = await ingest_rate(
            running.nats, running.mongo, submissions(count), running.folder / "feedback.log"
        )
    print_report(
        f"Feedback ingest, one process ({count:,} submissions)",
        raw,
        [("stored + feedback.ingested published", ingest, "msg/s")],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().messages))
