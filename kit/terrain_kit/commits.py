"""A consumer's batch commit: idempotency guard, the handler and its markers in one transaction.

The delivery runtime (``delivery.py``) submits parsed events to a ``Batcher``;
the batcher calls ``BatchCommit.process`` with the items it gathered. The
batch commits once; events already processed by this consumer are skipped;
if the batch fails each event is retried alone so one bad event does not take
the others with it. While MongoDB is unreachable the batch is held (and kept
in progress on the server) instead of burning attempts.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from uuid import UUID

from terrain_contracts import Event
from terrain_contracts.types import utcnow

from . import erasure, metrics
from .batching import Item
from .consumers import Consumer
from .faults import Faults
from .mongo import is_unavailable
from .settings import ConsumerSettings
from .uow import PROCESSED, Transactions, UnitOfWork

log = logging.getLogger(__name__)

Settle = Callable[..., Awaitable[None]]


class BatchCommit:
    def __init__(
        self,
        consumer: Consumer,
        transactions: Transactions,
        settings: ConsumerSettings,
        faults: Faults,
        settle: Callable[[Settle], Awaitable[None]],
    ) -> None:
        self.consumer = consumer
        self.durable = consumer.durable
        self._transactions = transactions
        self._settings = settings
        self._faults = faults
        self._settle = settle

    async def process(self, items: list[Item]) -> None:
        groups: dict[UUID, list[Item]] = defaultdict(list)
        for item in items:  # the same event twice in one fetch: a redelivery overtook the first
            groups[item.event.id].append(item)
        firsts = [group[0] for group in groups.values()]
        started = asyncio.get_running_loop().time()
        async with self._heartbeat(items):
            outcomes = await self._outcomes(firsts)
        for event_id, outcome in outcomes.items():
            for item in groups[event_id]:
                item.fail(outcome) if outcome is not None else item.succeed()
        metrics.BATCH_SIZE.labels(self.durable).observe(len(firsts))
        metrics.BATCH_SECONDS.labels(self.durable).observe(asyncio.get_running_loop().time() - started)

    async def _outcomes(self, firsts: list[Item]) -> dict[UUID, BaseException | None]:
        """Each event's outcome: the whole batch at once, or each event alone if the batch failed."""
        try:
            await self._commit_holding(firsts)
        except Exception as exc:
            if len(firsts) == 1 or is_unavailable(exc):
                return {item.event.id: exc for item in firsts}
            log.warning(
                "batch failed, isolating its events",
                extra={"consumer": self.durable, "events": len(firsts), "error": repr(exc)},
            )
            return {item.event.id: await self._try_alone(item) for item in firsts}
        return {item.event.id: None for item in firsts}

    async def _try_alone(self, item: Item) -> BaseException | None:
        try:
            await self._commit_holding([item])
        except Exception as exc:
            return exc
        return None

    async def _commit_holding(self, items: list[Item]) -> None:
        """Commit; while MongoDB is unreachable keep trying (messages held in progress), up to a bound."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.unavailable_hold_seconds
        delay = 0.25
        while True:
            try:
                return await self._commit(items)
            except Exception as exc:
                if not is_unavailable(exc) or loop.time() + delay > deadline:
                    raise
                log.warning(
                    "MongoDB unavailable, holding the batch",
                    extra={"consumer": self.durable, "events": len(items), "retry_in_seconds": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _commit(self, items: list[Item]) -> None:
        keys = {item.event.id: f"{self.durable}:{item.event.id}" for item in items}

        async def work(uow: UnitOfWork) -> int:
            if self.consumer.index_personal:
                await self._index_personal(uow, items)
            seen = {
                doc["_id"]
                for doc in await uow[PROCESSED]
                .find({"_id": {"$in": list(keys.values())}}, {"_id": 1}, session=uow.session)
                .to_list(None)
            }
            fresh = [item for item in items if keys[item.event.id] not in seen]
            if not fresh:
                return 0
            for item in fresh:
                self._faults.check_poison(item.message.raw_message.headers)
            await self._handle([item.event for item in fresh], uow)
            # A concurrent delivery of the same event aborts here on the unique _id, and its retry skips it.
            now = utcnow()
            await uow[PROCESSED].insert_many(
                [{"_id": keys[item.event.id], "at": now} for item in fresh], session=uow.session
            )
            return len(fresh)

        fresh = await self._transactions.run(work, trace_for={item.event.id: item.trace for item in items})
        metrics.EVENTS_CONSUMED.labels(self.durable, "processed").inc(fresh)
        if fresh < len(items):
            metrics.EVENTS_CONSUMED.labels(self.durable, "duplicate").inc(len(items) - fresh)

    @staticmethod
    async def _index_personal(uow: UnitOfWork, items: list[Item]) -> None:
        """Where each consumed event carrying personal data is stored, with the batch's writes."""
        stored = []
        for item in items:
            meta = item.message.raw_message.metadata
            stored.append(
                erasure.Stored(meta.stream, meta.sequence.stream, tuple(item.event.personal_refs()))
            )
        if await erasure.record(uow.db, stored, session=uow.session) and uow.on_erasure is not None:
            uow.after_commit(uow.on_erasure)

    async def _handle(self, events: list[Event], uow: UnitOfWork) -> None:
        async with asyncio.timeout(self._settings.handler_timeout_seconds):
            if self.consumer.batch:
                await self.consumer.handler(events, uow)
            else:
                for event in events:
                    await self.consumer.handler(event, uow)

    @asynccontextmanager
    async def _heartbeat(self, items: list[Item]) -> AsyncIterator[None]:
        """Tell the server a slow batch is still being worked on, so it is not redelivered meanwhile."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self._settings.ack_wait_seconds / 3)
                for item in items:
                    await self._settle(item.message.in_progress)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
