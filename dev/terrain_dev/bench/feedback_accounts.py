"""Benchmark: account.updated events applied per second by one feedback process, beside the raw JetStream
reference and the store's own bulk upsert rate for the same documents, with CPU seconds per event.

    .venv/bin/python -m terrain_dev.bench.feedback_accounts --events 10000

Starts its own nats-server and Mongo-wire server on free ports (data in a temporary folder), then, in the
same run:

1. raw: ``common.raw_jetstream`` (20,000 messages of 500 B, pull fetch(256) + ack);
2. store: the account documents of the N events upserted with ``bulk_write`` (ReplaceOne, upsert) in
   batches of 256 into a scratch database: the store's own rate for these writes;
3. accounts: one feedback process (``python -m terrain_feedback``, default settings); N ``account.updated``
   events for N/2 accounts are published (each account created, then changed by a later event) and timed
   from the first publish until every account is stored at version 2. CPU seconds (user + system, from
   /proc/<pid>/stat) of the feedback process, nats-server and the Mongo-wire server over that interval,
   per event.
"""

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from pymongo import AsyncMongoClient, ReplaceOne
from terrain_contracts import streams
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.types import Money

from ..servers import MongoServer, NatsServer, free_port
from ..waiting import eventually
from .common import print_report, raw_jetstream, servers
from .feedback_ingest import _start_service, publish_all

BATCH = 256
PLANS = ("growth", "enterprise")


def account_updates(count: int) -> list[AccountUpdated]:
    """``count`` events for ``count // 2`` accounts: each created, then (later) moved to another plan."""
    accounts = count // 2
    return [
        AccountUpdated.create(
            AccountUpdatedData(
                account=Account(
                    account_id=f"acc-{n % accounts:06}",
                    name=f"Customer {n % accounts}",
                    domains=[f"cust{n % accounts}.com"],
                    arr=Money(amount_minor=1_000_000 + n % accounts, currency="EUR"),
                    plan=PLANS[n // accounts],
                    segment="mid_market",
                )
            ),
            source="bench",
        )
        for n in range(accounts * 2)
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Applied:
    rate: float
    cpu_per_event: dict[str, float]


async def store_upsert_rate(mongo: MongoServer, events: list[AccountUpdated]) -> float:
    """The store's own bulk upsert rate for the documents the events carry (batches of ``BATCH``)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.uri)
    collection = client["bench_store"]["accounts"]
    docs = [
        {"_id": e.data.account.account_id, **e.data.account.model_dump(mode="json"), "as_of": e.occurred_at}
        for e in events
    ]
    try:
        started = time.perf_counter()
        for start in range(0, len(docs), BATCH):
            await collection.bulk_write(
                [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs[start : start + BATCH]]
            )
        return len(docs) / (time.perf_counter() - started)
    finally:
        await client.drop_database("bench_store")
        await client.close()


async def applied_rate(
    nats_server: NatsServer, mongo: MongoServer, events: list[AccountUpdated], log: Path
) -> Applied:
    env = {
        **os.environ,
        "FEEDBACK_NATS__URL": nats_server.url,
        "FEEDBACK_MONGO__URI": mongo.uri,
        "FEEDBACK_MONGO__DATABASE": "bench_feedback",
        "FEEDBACK_HTTP__PORT": str(free_port()),
        "FEEDBACK_TELEMETRY__LOG_LEVEL": "WARNING",
    }
    service = await asyncio.to_thread(_start_service, env, log)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.uri)
    accounts = client["bench_feedback"]["accounts"]
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    assert nats_server.process is not None and mongo.process is not None
    pids = {"feedback": service.pid, "nats-server": nats_server.process.pid, "mongo-wire": mongo.process.pid}
    try:
        await eventually(lambda: _consumer_exists(js), timeout=60, what="feedback service ready")
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        await publish_all(js, events, stream=streams.ACCOUNTS)
        expected = len(events) // 2
        await eventually(
            lambda: _all_changed(accounts, expected), timeout=1800, interval=0.25, what="every update applied"
        )
        elapsed = time.perf_counter() - started
        used = {name: (cpu_seconds(pid) - before[name]) / len(events) for name, pid in pids.items()}
        return Applied(len(events) / elapsed, used)
    finally:
        service.terminate()
        service.wait(30)
        await nc.close()
        await client.close()


async def _consumer_exists(js: Any) -> bool:
    try:
        await js.consumer_info(streams.ACCOUNTS, "feedback-accounts")
        return True
    except Exception:
        return False


async def _all_changed(accounts: Any, expected: int) -> bool:
    return await accounts.count_documents({"version": 2, "plan": PLANS[1]}) >= expected


async def main(count: int) -> None:
    events = account_updates(count)
    with servers() as running:
        raw = await raw_jetstream(running.nats.url)
        store = await store_upsert_rate(running.mongo, events)
        applied = await applied_rate(running.nats, running.mongo, events, running.folder / "feedback.log")
    print_report(
        f"Feedback account updates, one process ({len(events):,} events, {len(events) // 2:,} accounts)",
        raw,
        [
            ("account.updated applied (checked in the store)", applied.rate, "msg/s"),
            ("store bulk_write upsert, same documents", store, "msg/s"),
            ("applied / store upsert", 100 * applied.rate / store, "%"),
            *((f"CPU {name}", seconds * 1000, "ms/event") for name, seconds in applied.cpu_per_event.items()),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().events))
