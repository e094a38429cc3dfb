"""The outbox relay: publishes committed events with ``Nats-Msg-Id`` = event id, then marks them.

Right after a commit the writing process publishes its own entries (fast
path). A sweeper republishes whatever is left unpublished past a grace
period: entries of a process that crashed between commit and publish, or
of a publish that failed. A crash after the publish and before the mark
republishes an entry; JetStream's duplicate window stores it once.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts.headers import MSG_ID
from terrain_contracts.types import utcnow

from . import erasure, metrics
from .faults import Faults
from .settings import OutboxSettings
from .uow import OUTBOX

log = logging.getLogger(__name__)

ACK_TIMEOUT_SECONDS = 10.0  # an ack that never comes (connection lost) leaves the entry to the sweeper


class Relay:
    def __init__(
        self,
        db: AsyncDatabase,
        jetstream: Callable[[], JetStreamContext],
        settings: OutboxSettings,
        faults: Faults,
        on_erasure: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._jetstream = jetstream
        self._settings = settings
        self._faults = faults
        self._on_erasure = on_erasure
        self._queue: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def publish_soon(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self._queue.extend(entries)
            self._wake.set()

    async def run(self) -> None:
        """Background task: publish fresh entries as they come, sweep leftovers periodically."""
        interval = self._settings.sweep_interval_seconds
        next_sweep = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, next_sweep - loop.time()))
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._publish_queued()
                if loop.time() >= next_sweep:
                    await self.sweep(self._settings.sweep_grace_seconds)
                    next_sweep = loop.time() + interval
            except Exception:
                # NATS or MongoDB unreachable: entries stay in the outbox and the next sweep retries.
                log.exception("outbox relay cycle failed; retrying on the next sweep")
                next_sweep = loop.time() + interval

    async def flush(self) -> None:
        """Publish everything committed so far (at shutdown)."""
        await self._publish_queued()
        await self.sweep(grace_seconds=0)

    async def _publish_queued(self) -> None:
        entries, self._queue = self._queue, []
        if entries:
            async with self._lock:
                await self._publish(entries, path="direct")

    async def sweep(self, grace_seconds: float) -> int:
        """Publish what is left unpublished past the grace period; measure the backlog on the way."""
        async with self._lock:
            now = utcnow()
            oldest_first = (
                await self._db[OUTBOX]
                .find({"published_at": None})
                .sort("created_at", 1)
                .limit(self._settings.batch_size)
                .to_list(None)
            )
            cutoff = now - timedelta(seconds=grace_seconds)
            due = [entry for entry in oldest_first if entry["created_at"] <= cutoff]
            published = await self._publish(due, path="sweep") if due else 0
            await self._measure_backlog(oldest_first, published, now)
            return published

    async def _measure_backlog(
        self, oldest_first: list[dict[str, Any]], published: int, now: datetime
    ) -> None:
        # The page read above tells the backlog unless it was full; only then is it worth a count.
        if len(oldest_first) < self._settings.batch_size:
            backlog = len(oldest_first) - published
        else:
            backlog = await self._db[OUTBOX].count_documents({"published_at": None})
        metrics.OUTBOX_BACKLOG.set(backlog)
        waiting = oldest_first[published:] if published else oldest_first
        age = (now - waiting[0]["created_at"]).total_seconds() if waiting and backlog else 0.0
        metrics.OUTBOX_OLDEST_AGE.set(max(0.0, age))

    async def _publish(self, entries: list[dict[str, Any]], path: str) -> int:
        self._faults.hit("outbox.before_publish")
        js = self._jetstream()
        # Pipelined: sent one after the other on the connection (stored in commit order),
        # acks awaited together.
        pending = [
            await js.publish_async(
                entry["subject"],
                entry["body"].encode(),
                stream=entry["stream"],
                headers={MSG_ID: entry["_id"], **entry.get("headers", {})},
            )
            for entry in entries
        ]
        acks = await asyncio.gather(
            *(asyncio.wait_for(ack, ACK_TIMEOUT_SECONDS) for ack in pending), return_exceptions=True
        )
        done = [
            entry["_id"]
            for entry, ack in zip(entries, acks, strict=True)
            if not isinstance(ack, BaseException)
        ]
        failures = [ack for ack in acks if isinstance(ack, BaseException)]
        if failures:
            log.warning(
                "outbox publish failed; left for the sweeper",
                extra={"failed": len(failures), "error": repr(failures[0])},
            )
        self._faults.hit("outbox.after_publish")
        if done:
            await self._db[OUTBOX].update_many({"_id": {"$in": done}}, {"$set": {"published_at": utcnow()}})
            metrics.OUTBOX_PUBLISHED.labels(path).inc(len(done))
            await self._index_personal(entries, acks)
        return len(done)

    async def _index_personal(self, entries: list[dict[str, Any]], acks: list[Any]) -> None:
        """Where the published events carrying personal data are stored (the PubAck says), in one write.

        An entry erased while its publish was in flight is marked for deletion at once (its tombstone)."""
        stored = [
            erasure.Stored(ack.stream, ack.seq, tuple(entry["refs"]))
            for entry, ack in zip(entries, acks, strict=True)
            if entry.get("refs") and not isinstance(ack, BaseException)
        ]
        if await erasure.record(self._db, stored) and self._on_erasure is not None:
            self._on_erasure()
