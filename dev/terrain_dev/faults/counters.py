"""Counting effects: what each acknowledged event became, read from the databases, the streams and the
receiver once the system has settled.

Every acknowledged event must have, exactly once each:

- stored: the feedback DB's item (revision 1; a second processing would be an edit, revision 2);
- ingested: ``feedback.ingested`` in the FEEDBACK stream, per feedback id;
- classified: ``feedback.classified`` in the FEEDBACK stream, and the insights DB's item;
- insight: ``insight.detected`` in the INSIGHTS stream, per ``churn:<account>``;
- notified: distinct ``webhook-id`` at the receiver, per situation;
- announced: ``notification.delivered`` in the NOTIFICATIONS stream, per notification id.

A second event or a second notification for one submission is a duplicate
effect (each stage publishes with a fresh event id, so JetStream's de-duplication
would not hide a double processing). The same ``webhook-id`` received twice is
not: it is the at-least-once retry of one notification, which a Standard
Webhooks receiver de-duplicates; it is counted apart as *resent*.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from terrain_contracts import DeadLetter, streams, subjects
from terrain_contracts.events.feedback import FeedbackClassified, FeedbackIngested
from terrain_contracts.events.insight import InsightDetected
from terrain_contracts.events.notification import NotificationDelivered

from ..probes import dead_letters, stored_messages
from .load import SOURCE, Sent
from .receiver import Webhook

STAGES = ("stored", "ingested", "classified", "insight", "notified", "announced")


@dataclass
class Effects:
    stored: dict[str, dict] = field(default_factory=dict)  # feedback id -> {revision, ingested_at}
    ingested: Counter = field(default_factory=Counter)  # feedback id
    classified: Counter = field(default_factory=Counter)  # feedback id
    classified_items: set[str] = field(default_factory=set)  # insights DB
    insights: Counter = field(default_factory=Counter)  # dedup key
    notifications: dict[str, set[str]] = field(default_factory=dict)  # dedup key -> webhook ids
    first_notified_at: dict[str, float] = field(default_factory=dict)  # dedup key -> wall clock
    webhook_requests: Counter = field(default_factory=Counter)  # webhook id -> requests received
    announced: Counter = field(default_factory=Counter)  # notification id
    dead_letters: list[DeadLetter] = field(default_factory=list)
    rejected: int = 0  # feedback.rejected events


async def collect(js: JetStreamContext, mongo_uri: str, webhooks: list[Webhook]) -> Effects:
    effects = Effects()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    try:
        async for doc in client.terrain_feedback.feedback.find(
            {"source": SOURCE}, {"revision": 1, "ingested_at": 1}
        ):
            effects.stored[doc["_id"]] = {
                "revision": doc["revision"],
                "ingested_at": doc["ingested_at"].timestamp(),
            }
        classified = client.terrain_insights["items"].find({"classification": {"$exists": True}}, {"_id": 1})
        async for doc in classified:
            effects.classified_items.add(doc["_id"])
    finally:
        await client.close()
    for message in await stored_messages(js, streams.FEEDBACK, subjects.FEEDBACK_INGESTED):
        effects.ingested[FeedbackIngested.parse(message.data).data.feedback_id] += 1
    for message in await stored_messages(js, streams.FEEDBACK, subjects.FEEDBACK_CLASSIFIED):
        effects.classified[FeedbackClassified.parse(message.data).data.feedback_id] += 1
    effects.rejected = len(await stored_messages(js, streams.FEEDBACK, subjects.FEEDBACK_REJECTED))
    for message in await stored_messages(js, streams.INSIGHTS, subjects.INSIGHT_DETECTED):
        effects.insights[InsightDetected.parse(message.data).data.insight.dedup_key] += 1
    for message in await stored_messages(js, streams.NOTIFICATIONS, subjects.NOTIFICATION_DELIVERED):
        effects.announced[NotificationDelivered.parse(message.data).data.notification_id] += 1
    for webhook in webhooks:
        effects.webhook_requests[webhook.webhook_id] += 1
        if webhook.dedup_key:
            effects.notifications.setdefault(webhook.dedup_key, set()).add(webhook.webhook_id)
            known = effects.first_notified_at.get(webhook.dedup_key)
            effects.first_notified_at[webhook.dedup_key] = min(
                known or webhook.received_at, webhook.received_at
            )
    effects.dead_letters = await dead_letters(js)
    return effects


@dataclass
class Tally:
    """Per acknowledged event: which effects are missing (lost) and which happened more than once."""

    published: int
    acknowledged: int
    effects: dict[str, int]  # stage -> events having it
    lost: dict[str, list[str]]  # stage -> feedback ids missing it
    duplicated: dict[str, list[str]]  # stage -> feedback ids having it more than once
    resent: int  # webhooks received again with the same webhook-id

    @property
    def lost_events(self) -> int:
        return len({fid for ids in self.lost.values() for fid in ids})

    @property
    def duplicated_events(self) -> int:
        return len({fid for ids in self.duplicated.values() for fid in ids})


def tally(sent: list[Sent], effects: Effects) -> Tally:
    sent = [s for s in sent if s.healthy]
    acknowledged = [s for s in sent if s.acknowledged_at is not None]
    counts: dict[str, dict[str, int]] = {stage: {} for stage in STAGES}
    for s in acknowledged:
        key = f"churn:{s.account_id}"
        stored = effects.stored.get(s.feedback_id)
        counts["stored"][s.feedback_id] = 0 if stored is None else stored["revision"]
        counts["ingested"][s.feedback_id] = effects.ingested[s.feedback_id]
        counts["classified"][s.feedback_id] = (
            effects.classified[s.feedback_id] if s.feedback_id in effects.classified_items else 0
        )
        counts["insight"][s.feedback_id] = effects.insights[key]
        webhook_ids = effects.notifications.get(key, set())
        counts["notified"][s.feedback_id] = len(webhook_ids)
        announced = [effects.announced[w] for w in webhook_ids]
        counts["announced"][s.feedback_id] = max(announced) if announced else 0
    resent = sum(n - 1 for w, n in effects.webhook_requests.items() if n > 1)
    return Tally(
        published=len(sent),
        acknowledged=len(acknowledged),
        effects={stage: sum(1 for n in by_id.values() if n >= 1) for stage, by_id in counts.items()},
        lost={stage: sorted(f for f, n in by_id.items() if n == 0) for stage, by_id in counts.items()},
        duplicated={stage: sorted(f for f, n in by_id.items() if n > 1) for stage, by_id in counts.items()},
        resent=resent,
    )


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latencies(sent: list[Sent], effects: Effects) -> dict[int, float]:
    """Submitted (first publish attempt) -> first notification received, per event index."""
    found = {}
    for s in sent:
        at = effects.first_notified_at.get(f"churn:{s.account_id}")
        if at is not None and s.acknowledged_at is not None and s.healthy:
            found[s.index] = at - s.first_attempt_at
    return found


async def stream_names(js: JetStreamContext) -> list[str]:
    return [info.config.name for info in await js.streams_info() if info.config.name is not None]


async def settled(js: JetStreamContext) -> bool:
    """Every durable consumer of every stream has nothing pending and nothing awaiting an ack."""
    for stream in await stream_names(js):
        for consumer in await js.consumers_info(stream):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
    return True


async def outboxes_empty(mongo_uri: str) -> bool:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        for service in ("feedback", "initiatives", "insights", "notifier"):
            if await client[f"terrain_{service}"].outbox.find_one({"published_at": None}, {"_id": 1}):
                return False
        pending = await client.terrain_notifier.deliveries.find_one(
            {"status": {"$in": ["pending", "sending"]}}, {"_id": 1}
        )
        return pending is None
    finally:
        await client.close()


async def wait_idle(js: JetStreamContext, mongo_uri: str, within: float) -> None:
    """Until nothing is in flight anywhere (no late redelivery can still add an effect), or the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    quiet = 0
    while loop.time() < deadline:
        try:
            idle = await settled(js) and await outboxes_empty(mongo_uri)
        except Exception:
            idle = False
        quiet = quiet + 1 if idle else 0
        if quiet >= 3:  # three looks in a row, a second apart
            return
        await asyncio.sleep(1.0)
    raise TimeoutError(f"the system did not settle within {within:.0f}s")


async def redeliveries(js: JetStreamContext) -> dict[str, int]:
    """Deliveries beyond the first, per durable consumer, once settled: every delivery takes a consumer
    sequence number, so the consumer sequence reached minus the messages its filter matched is the count
    of redeliveries (naks, ack waits that ran out, a replica killed holding messages)."""
    found = {}
    for stream in await stream_names(js):
        for consumer in await js.consumers_info(stream):
            if consumer.delivered is None or not consumer.delivered.consumer_seq:
                continue
            filtered = await js.stream_info(stream, subjects_filter=consumer.config.filter_subject or ">")
            matched = sum((filtered.state.subjects or {}).values())
            found[consumer.name] = consumer.delivered.consumer_seq - matched
    return found
