"""The load of the end-to-end latency benchmark (``e2e_latency``): accounts, submissions at a rate,
the backlog left at the end."""

import asyncio
import math
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from terrain_contracts import streams, subjects
from terrain_contracts.events.feedback import FeedbackKind
from terrain_contracts.headers import MSG_ID

from ..demo import org, seed
from .e2e_timeline import Run

TEXT = (
    "Our CSV export to Excel has failed for a week and the team is furious: we will cancel and move to a "
    "competitor if the export is not fixed (ticket {n})."
)
BACKLOG = (
    (streams.FEEDBACK, "feedback-intake"),
    (streams.FEEDBACK, "insights-classifier"),
    (streams.FEEDBACK, "notifier-reporters"),
    (streams.FEEDBACK, "initiatives-feedback"),
    (streams.INSIGHTS, "notifier-insights"),
)


def accounts(count: int) -> list[org.Account]:
    return [
        org.Account(
            f"acc-bench-{n}",
            f"Bench account {n}",
            f"bench{n}.example",
            100_000,
            "business",
            "mid_market",
            300,
            org.PRIYA,
        )
        for n in range(count)
    ]


async def seed_registry(mongo_uri: str, bench_accounts: list[org.Account], today: date) -> None:
    """The feedback service's account registry as its consumer writes it (handlers.apply_account)."""
    as_of = datetime.now(UTC)
    docs = [
        {
            "_id": a.account_id,
            **a.contract(today).model_dump(mode="json"),
            "as_of": as_of,
        }
        for a in bench_accounts
    ]
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        for start in range(0, len(docs), 1000):
            await client["terrain_feedback"]["accounts"].insert_many(docs[start : start + 1000])
    finally:
        await client.close()


def submissions(bench_accounts: list[org.Account], first: int, count: int) -> list[tuple[str, bytes]]:
    now = datetime.now(UTC) - timedelta(seconds=5)
    events = [
        seed.submission(
            {"text": TEXT.format(n=n)},
            bench_accounts[n],
            FeedbackKind.customer,
            now,
            f"E-{n}",
            source="zendesk",
        )
        for n in range(first, first + count)
    ]
    return [(str(event.id), event.to_json()) for event in events]


async def hold(js, run: Run, events: list[tuple[str, bytes]], seconds: float) -> None:
    """Publish ``run.rate`` submissions per second for ``seconds``, each when it is due."""
    started = time.perf_counter()
    sent = 0
    while sent < len(events):
        due = min(len(events), math.floor(run.rate * (time.perf_counter() - started)) + 1)
        for msg_id, body in events[sent:due]:
            run.submitted.append(time.time())
            await js.publish_async(subjects.FEEDBACK_SUBMITTED, body, headers={MSG_ID: msg_id})
        sent = max(sent, due)
        await asyncio.sleep(max(0.0, sent / run.rate - (time.perf_counter() - started)) or 0.001)
    await js.publish_async_completed()
    run.publish_seconds = time.perf_counter() - started


async def backlog(js, mongo_uri: str) -> dict[str, int]:
    found = {}
    for stream, durable in BACKLOG:
        info = await js.consumer_info(stream, durable)
        found[durable] = info.num_pending + info.num_ack_pending
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        found["notifier deliveries not sent"] = await client["terrain_notifier"][
            "deliveries"
        ].count_documents({"status": {"$in": ["pending", "sending"]}})
    finally:
        await client.close()
    return found
