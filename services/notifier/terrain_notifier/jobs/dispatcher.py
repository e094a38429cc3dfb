"""The background dispatcher: claims due deliveries, sends them, records each outcome.

Every replica runs one, with a few concurrent workers. A claim is one atomic
``find_one_and_update`` (pending -> sending, with this replica's name and a
claim deadline), so two replicas never send the same delivery; a replica
that dies mid-send loses its claim when the deadline passes and another
retries it. Failures are retried with exponential backoff and jitter behind
a circuit breaker per endpoint; the last failure is recorded, announced as
``NotificationFailed`` and dead-lettered with the reason.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import httpx
from terrain_contracts import DeadLetter, streams
from terrain_kit import deadletters, erasure
from terrain_kit.service import Service
from terrain_kit.uow import Transactions, UnitOfWork

from .. import metrics
from ..domain.breaker import Breakers
from ..domain.deliveries import endpoint_of
from ..domain.loops import rate
from ..domain.policies import backoff
from ..domain.targets import networks
from ..handlers import outcomes
from ..handlers.context import Context
from ..store import deliveries, state
from .channels import SendError
from .channels.email import EmailSender
from .channels.http import HttpSender

log = logging.getLogger(__name__)
T = TypeVar("T")


class Dispatcher:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.settings = context.settings.dispatch
        self.breakers = Breakers(
            self.settings.breaker_failures, self.settings.breaker_cooldown_seconds, time.monotonic
        )
        self.email = EmailSender(context.settings.smtp)
        self._wake = asyncio.Event()
        self._last_error: dict[str, str] = {}

    def wake(self) -> None:
        # Called once deliveries were committed (never from inside the transaction: a look before the
        # commit finds nothing): the idle workers look at once instead of after a poll interval.
        self._wake.set()

    async def run(self, service: Service) -> None:
        """Background task: the workers and the housekeeping of this replica."""
        self.service = service
        timeout = httpx.Timeout(self.settings.http_timeout_seconds)
        # No redirects: a redirect could lead past the SSRF check to an internal address.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            self.http = HttpSender(client, networks(self.context.settings.ssrf_allow))
            await asyncio.gather(
                *(self._worker() for _ in range(self.settings.workers)), self._housekeeping()
            )

    async def _worker(self) -> None:
        while True:
            try:
                doc = await deliveries.claim(
                    self.service.db, self.service.instance, self.context.now(), self.settings.claim_seconds
                )
            except Exception as exc:
                log.warning("could not claim deliveries", extra={"error": repr(exc)})
                doc = None
            if doc is None:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
                continue
            try:
                await self.deliver(doc)
            except Exception:
                # Recording failed (MongoDB away): the claim expires and the delivery is tried again.
                log.exception("delivery outcome not recorded", extra={"notification_id": doc["_id"]})

    async def deliver(self, doc: dict[str, Any]) -> None:
        attempts = doc["attempts"] + 1
        endpoint = endpoint_of(doc, self.email.endpoint)
        wait = self.breakers.allow(endpoint)
        started = time.perf_counter()
        error: SendError | None = None
        if wait is not None:
            error = SendError(
                f"circuit open for {endpoint} after repeated failures "
                f"(last: {self._last_error.get(endpoint, '?')})",
                retryable=True,
            )
            metrics.NOTIFICATIONS.labels(doc["channel"], doc["purpose"], "circuit_open").inc()
        else:
            try:
                await self._send(doc)
                self.breakers.succeeded(endpoint)
            except SendError as exc:
                error = exc
            except Exception as exc:  # a bug or an unforeseen library error: retried like a transient one
                log.exception("unexpected send failure", extra={"notification_id": doc["_id"]})
                error = SendError(f"{type(exc).__name__}: {exc}", retryable=True)
            if error is not None:
                self._last_error[endpoint] = error.reason[:200]
                # A refusal (4xx, bad target) means the endpoint answered: it does not trip the circuit.
                self.breakers.failed(endpoint) if error.retryable else self.breakers.succeeded(endpoint)
            metrics.SEND_SECONDS.labels(doc["channel"]).observe(time.perf_counter() - started)
        metrics.OPEN_CIRCUITS.set(self.breakers.open_count())
        await self._record(doc, attempts, error, wait)

    async def _send(self, doc: dict[str, Any]) -> None:
        target, body, channel = doc["target"], doc["body"], doc["channel"]
        if channel == "slack":
            await self.http.post_json(target["url"], body)
        elif channel == "webhook":
            await self.http.post_json(target["url"], body, secret=target["secret"], message_id=doc["_id"])
        elif channel == "email":
            await self.email.send(target["email"], body["subject"], body["text"], doc["_id"])
        else:
            raise SendError(f"channel {channel} is not sent by the dispatcher", retryable=False)

    async def _record(
        self, doc: dict[str, Any], attempts: int, error: SendError | None, wait: float | None
    ) -> None:
        now = self.context.now()
        instance = self.service.instance
        # The events recorded here carry the trace of the event that caused the delivery.
        trace_for = {UUID(doc["cause_id"]): doc.get("trace") or {}} if doc.get("cause_id") else None
        run = partial(_run_traced, self.service.transactions, trace_for)
        if error is None:
            if await run(lambda uow: outcomes.delivered(uow, doc, instance, attempts, now)):
                metrics.NOTIFICATIONS.labels(doc["channel"], doc["purpose"], "delivered").inc()
            return
        if error.retryable and attempts < self.settings.max_attempts:
            delay = max(
                backoff(attempts, self.settings.backoff_base_seconds, self.settings.backoff_max_seconds),
                wait or 0.0,
            )
            next_at = now + timedelta(seconds=delay)
            await run(
                lambda uow: deliveries.mark_retry(uow, doc, instance, attempts, next_at, error.reason, now)
            )
            metrics.NOTIFICATIONS.labels(doc["channel"], doc["purpose"], "retried").inc()
            log.warning(
                "delivery failed, will retry",
                extra={
                    "notification_id": doc["_id"],
                    "channel": doc["channel"],
                    "attempt": attempts,
                    "retry_in_seconds": round(delay, 2),
                    "error": error.reason,
                },
            )
            return
        reason = error.reason if not error.retryable else f"gave up after {attempts} attempts: {error.reason}"
        error_type = "DeliveryRefused" if not error.retryable else "DeliveryExhausted"
        if await run(lambda uow: outcomes.failed(uow, doc, instance, attempts, reason, error_type, now)):
            metrics.NOTIFICATIONS.labels(doc["channel"], doc["purpose"], "failed").inc()
            log.error("delivery failed for good", extra={"notification_id": doc["_id"], "reason": reason})
            await self.publish_dead_letters()

    async def publish_dead_letters(self) -> None:
        """Publish recorded dead letters not yet in the stream (also after a crash between the two)."""
        for doc in await deliveries.unpublished_dead_letters(self.service.db):
            record = DeadLetter.model_validate(doc["dead_letter"]["record"])
            ack = await deadletters.publish(self.service.jetstream(), record)
            await deliveries.dead_letter_published(self.service.db, doc["_id"])
            # A loop closure's names the reporter: erasing its feedback deletes it (terrain_kit.erasure).
            refs = tuple(doc.get("feedback_ids", [])) if doc.get("purpose") == "loop_closure" else ()
            if await erasure.record(self.service.db, [erasure.Stored(streams.DEADLETTER, ack.seq, refs)]):
                self.service.eraser.wake()

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.context.settings.policy.periodic_seconds)
            try:
                await self.publish_dead_letters()
                metrics.PENDING.set(await deliveries.pending_count(self.service.db))
                reads = UnitOfWork.read_only(self.service.db)
                for row in await state.loop_counts(reads, "owner_team_id"):
                    value = rate(row["closed"], row["not_closed"])
                    if value is not None:
                        metrics.LOOP_CLOSURE_RATE.labels(row["_id"]).set(value)
            except Exception as exc:
                log.warning("dispatcher housekeeping failed", extra={"error": repr(exc)})


async def _run_traced(
    transactions: Transactions,
    trace_for: dict[UUID, dict[str, str]] | None,
    work: Callable[[UnitOfWork], Awaitable[T]],
) -> T:
    return await transactions.run(work, trace_for=trace_for)
