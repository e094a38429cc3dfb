"""Group commit: messages fetched together are committed in one transaction.

FastStream runs a fetched batch as concurrent per-message calls. Each call
submits its event here and waits; once submissions pause for ``linger``
(or ``max_size`` is reached) the batch is processed at once and every caller
learns its own outcome. One transaction per fetch instead of per message,
and never two at once for one consumer.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from faststream.nats import NatsMessage
from terrain_contracts import Event


@dataclass(eq=False)
class Item:
    event: Event
    trace: dict[str, str]
    message: NatsMessage
    outcome: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def sequence(self) -> int:
        return self.message.raw_message.metadata.sequence.stream

    def succeed(self) -> None:
        if not self.outcome.done():
            self.outcome.set_result(None)

    def fail(self, exc: BaseException) -> None:
        if not self.outcome.done():
            self.outcome.set_exception(exc)


class Batcher:
    """One batch at a time per consumer: concurrent batches of one consumer would touch the same
    documents and abort each other's transactions. What arrives while a batch commits forms the next."""

    def __init__(
        self,
        process: Callable[[list[Item]], Awaitable[Any]],
        max_size: int,
        linger: float,
        max_linger: float = 0.05,
    ) -> None:
        self._process = process
        self._max_size = max_size
        self._linger = linger
        self._max_linger = max_linger
        self._pending: list[Item] = []
        self._first_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._draining: asyncio.Task | None = None

    async def submit(self, item: Item) -> None:
        loop = asyncio.get_running_loop()
        if not self._pending:
            self._first_at = loop.time()
        self._pending.append(item)
        if self._draining is None:
            if self._timer is not None:
                self._timer.cancel()
            if len(self._pending) >= self._max_size:
                self._start_draining()
            else:
                # Debounce: wait for the rest of the fetched batch, never longer than max_linger overall.
                delay = min(self._linger, self._first_at + self._max_linger - loop.time())
                self._timer = loop.call_later(max(0.0, delay), self._start_draining)
        # Shielded: the batch is shared, one cancelled waiter must not cancel it for the others.
        await asyncio.shield(item.outcome)

    def _start_draining(self) -> None:
        self._timer = None
        if self._draining is None and self._pending:
            self._draining = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._pending:
                # Fetched messages reach submit from concurrent calls, not always in fetch order;
                # a batch is processed in stream order (an edit after the item it edits).
                self._pending.sort(key=lambda item: item.sequence)
                items, self._pending = self._pending[: self._max_size], self._pending[self._max_size :]
                await self._run(items)
        finally:
            self._draining = None

    async def _run(self, items: list[Item]) -> None:
        try:
            await self._process(items)
        except BaseException as exc:
            # _process settles every item itself; this only keeps waiters from hanging on a bug.
            for item in items:
                item.fail(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
