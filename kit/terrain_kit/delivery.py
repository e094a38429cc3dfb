"""How a declared consumer meets JetStream: ack, retry with backoff, dead-letter, de-duplicate.

Per message, in this order:

1. the delivery middleware (outermost) finds the consumer by durable name;
2. the handler parses the payload with its contract (tolerantly) and submits
   it to the consumer's batcher; an unparsable payload is dead-lettered;
3. the batch commits in one transaction: events already processed by this
   consumer are skipped (idempotency guard), the rest go to the service's
   handler, processed-markers and outbox entries are written with its
   changes;
4. the middleware acks; on failure it naks with the configured backoff, and
   dead-letters after ``max_attempts`` with the reason. While MongoDB is
   unreachable a batch is held and kept in progress instead of burning
   attempts. A message whose handler crashes the process or hangs reaches the
   server's ``max_deliveries``; the server's advisory, captured in the
   ADVISORIES stream, has it dead-lettered even if the service was down.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Union

from faststream import AckPolicy
from faststream.middlewares import BaseMiddleware
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as ServerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from terrain_contracts.headers import REPLAY_FOR
from terrain_contracts.types import utcnow

from . import deadletters, erasure, logs, metrics
from .batching import Batcher, Item
from .broker import inbox_prefix
from .commits import BatchCommit
from .consumers import Consumer, InvalidMessage, Rejected
from .faults import Faults
from .mongo import is_unavailable
from .settings import ConsumerSettings
from .telemetry import current_trace_headers
from .uow import PROCESSED, Transactions, UnitOfWork

log = logging.getLogger(__name__)


def pull_inbox(service: str) -> bytes:
    """Where a pull consumer's messages come back: the service's own inbox prefix (FastStream's default is
    the shared _INBOX., which the service's NATS user may not subscribe to)."""
    return f"{inbox_prefix(service)}.".encode()


def describe(exc: ValidationError) -> str:
    """A validation error as 'field: problem' pairs, the way people fixing the input need it."""
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()]
    return "; ".join(parts)[:2000]


class ConsumerRuntime:
    def __init__(
        self,
        consumer: Consumer,
        service: str,
        transactions: Transactions,
        settings: ConsumerSettings,
        jetstream: Callable[[], JetStreamContext],
        faults: Faults | None = None,
    ) -> None:
        self.consumer = consumer
        self._faults = faults or Faults(set())
        self.service = service
        self._transactions = transactions
        self._settings = settings
        self.jetstream = jetstream
        self.max_attempts = consumer.max_attempts or settings.max_attempts
        if self.max_attempts >= settings.max_deliveries:
            raise ValueError(f"{consumer.durable}: max_attempts must stay below max_deliveries")
        self._commits = BatchCommit(consumer, transactions, settings, self._faults, self._settle)
        self._batcher = Batcher(
            self._commits.process, max_size=settings.batch_size, linger=settings.linger_ms / 1000
        )

    @property
    def durable(self) -> str:
        return self.consumer.durable

    # -- wiring ------------------------------------------------------------------------------

    def server_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            description=self.consumer.description or None,
            ack_policy=ServerAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._settings.ack_wait_seconds,
            max_deliver=self._settings.max_deliveries,
            filter_subject=self.consumer.subject,
            max_ack_pending=self._settings.batch_size * 4,
        )

    async def ensure(self) -> None:
        """Create the durable consumer, or update it: an existing one otherwise keeps its old config."""
        await self.jetstream().add_consumer(self.consumer.stream, self.server_config())

    def subscribe(self, broker: NatsBroker) -> None:
        events = tuple(self.consumer.events.values())
        payload = events[0] if len(events) == 1 else Union[events]  # noqa: UP007 - built at run time

        async def handle(msg: payload) -> None:  # type: ignore[valid-type]
            # The annotation documents the payload (AsyncAPI); self.handle parses it tolerantly.
            await self.handle(msg)

        handle.__name__ = self.durable.replace("-", "_")
        broker.subscriber(
            self.consumer.subject,
            stream=JStream(name=self.consumer.stream, declare=False),
            durable=self.durable,
            config=self.server_config(),
            pull_sub=PullSub(
                batch_size=self._settings.batch_size, timeout=self._settings.fetch_timeout_seconds
            ),
            ack_policy=AckPolicy.MANUAL,
            title=self.durable,
            description=self.consumer.description or None,
            inbox_prefix=pull_inbox(self.service),
        )(handle)

    # -- per message -------------------------------------------------------------------------

    async def handle(self, msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        event_type = self.consumer.events.get(raw.subject)
        if event_type is None:
            # Another event of the same aggregate this consumer does not act on.
            metrics.EVENTS_CONSUMED.labels(self.durable, "ignored").inc()
            return
        try:
            event = event_type.parse(raw.data)
        except ValidationError as exc:
            raise InvalidMessage(describe(exc)) from exc
        token = logs.correlation_id.set(event.correlation_id)
        try:
            await self._batcher.submit(Item(event, current_trace_headers(), msg))
        finally:
            logs.correlation_id.reset(token)

    async def deliver(self, call_next: Callable[[NatsMessage], Awaitable[Any]], msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        target = (raw.headers or {}).get(REPLAY_FOR)
        if target is not None and target != self.durable:
            # A dead letter replayed for another consumer of this subject.
            metrics.EVENTS_CONSUMED.labels(self.durable, "ignored").inc()
            await self._settle(msg.ack)
            return
        attempt = raw.metadata.num_delivered
        try:
            await call_next(msg)
        except InvalidMessage as exc:
            await self._invalid(msg, exc, attempt)
        except Rejected as exc:
            await self._dead_letter(msg, exc, cause="rejected")
        except Exception as exc:
            if attempt >= self.max_attempts:
                await self._dead_letter(msg, exc, cause="exhausted")
                return
            delay = self._backoff(attempt)
            log.warning(
                "handler failed, will retry",
                extra={
                    "consumer": self.durable,
                    "subject": raw.subject,
                    "attempt": attempt,
                    "retry_in_seconds": delay,
                    "error": repr(exc),
                },
            )
            metrics.EVENTS_CONSUMED.labels(self.durable, "retried").inc()
            await self._settle(msg.nack, delay=delay)
        else:
            await self._settle(msg.ack)

    async def _invalid(self, msg: NatsMessage, exc: InvalidMessage, attempt: int) -> None:
        """Record the refusal through the service's hook (if any), then dead-letter the message."""
        if self.consumer.on_invalid is not None:
            try:
                await self._record_invalid(msg.raw_message, str(exc))
            except Exception as hook_error:
                # MongoDB away: retry (bounded by the server's max_deliveries). A hook that fails on this
                # payload every time must not keep it from its dead letter: bounded like a handler.
                if is_unavailable(hook_error) or attempt < self.max_attempts:
                    log.warning(
                        "invalid-message hook failed, will retry",
                        extra={"consumer": self.durable, "attempt": attempt, "error": repr(hook_error)},
                    )
                    await self._settle(msg.nack, delay=self._backoff(attempt))
                    return
                exc = InvalidMessage(f"{exc} (the service could not record the refusal: {hook_error!r})")
        await self._dead_letter(msg, exc, cause="invalid")

    async def _record_invalid(self, raw: Msg, reason: str) -> None:
        """Run the service's hook for an invalid payload, once per message: if dead-lettering fails after
        the hook committed, the redelivery must not record the refusal (announce it) a second time."""
        marker = f"{self.durable}:invalid:{raw.metadata.stream}:{raw.metadata.sequence.stream}"
        hook = self.consumer.on_invalid
        if hook is None:
            return

        async def work(uow: UnitOfWork) -> None:
            if await uow[PROCESSED].find_one({"_id": marker}, {"_id": 1}, session=uow.session):
                return
            await hook(raw.subject, raw.data, reason, uow)
            now = utcnow()
            await uow[PROCESSED].insert_one({"_id": marker, "at": now}, session=uow.session)

        await self._transactions.run(work)

    def _backoff(self, attempt: int) -> float:
        delays = self._settings.backoff_seconds
        return delays[min(attempt, len(delays)) - 1]

    async def _settle(self, action: Callable[..., Awaitable[None]], **kwargs: Any) -> None:
        try:
            await action(**kwargs)
        except Exception as exc:
            # Connection lost: the server redelivers after ack_wait and the guard makes it a no-op.
            log.warning(
                "could not settle message; it will be redelivered",
                extra={"consumer": self.durable, "action": action.__name__, "error": repr(exc)},
            )

    # -- dead letters ------------------------------------------------------------------------

    async def _dead_letter(self, msg: NatsMessage, exc: BaseException, cause: str) -> None:
        raw: Msg = msg.raw_message
        meta = raw.metadata
        record = deadletters.build(
            self.service,
            self.durable,
            raw.subject,
            meta.stream,
            meta.sequence.stream,
            raw.data,
            raw.headers,
            attempts=meta.num_delivered,
            reason=str(exc),
            error_type=type(exc).__name__,
        )
        try:
            ack = await deadletters.publish(self.jetstream(), record)
        except Exception:
            log.exception("could not dead-letter, will retry", extra={"consumer": self.durable})
            await self._settle(msg.nack, delay=self._backoff(len(self._settings.backoff_seconds)))
            return
        try:  # so that erasing its subject deletes the dead-lettered payload too
            if await erasure.record_dead_letter(self._transactions.db, self.consumer, raw, ack.seq):
                self._transactions.wake_eraser()
        except Exception:
            log.exception("could not index a dead letter's personal data", extra={"consumer": self.durable})
        await self._settle(msg.reject)  # JetStream TERM: never redelivered
        metrics.EVENTS_CONSUMED.labels(self.durable, "dead_lettered").inc()
        metrics.DEAD_LETTERS.labels(self.durable, cause).inc()
        log.error(
            "message dead-lettered",
            extra={
                "consumer": self.durable,
                "subject": raw.subject,
                "cause": cause,
                "attempts": meta.num_delivered,
                "reason": record.reason,
            },
        )


def delivery_middleware(runtimes: dict[str, ConsumerRuntime]) -> type[BaseMiddleware]:
    """The outermost broker middleware: delivery policy for every JetStream consumer of the service."""

    class DeliveryMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
            raw = msg.raw_message
            if not isinstance(raw, Msg) or not (raw.reply or "").startswith("$JS.ACK."):
                return await call_next(msg)  # not a JetStream delivery
            runtime = runtimes.get(raw.metadata.consumer)
            if runtime is None:
                return await call_next(msg)
            try:
                return await runtime.deliver(call_next, msg)
            except Exception:
                # A bug in delivery itself: unacknowledged, the message comes back after ack_wait.
                log.exception("delivery failed", extra={"consumer": runtime.durable})
                raise

    return DeliveryMiddleware
