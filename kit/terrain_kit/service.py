"""One Terrain service process: settings -> logs, traces -> Mongo -> broker -> consumers -> relay.

A service's ``main.py`` builds a :class:`Service`, hands it to
:func:`terrain_kit.http.create_app` with its routers, and calls :func:`run`.
Start-up creates indexes, provisions streams, brings durable consumers'
configuration up to date, starts the relay and background tasks, then the
subscribers. Shutdown stops fetching, lets in-flight handlers finish,
publishes what the outbox holds, then drains the connection.
"""

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import nats.errors
import uvicorn
import yaml
from nats.js import JetStreamContext
from nats.js.errors import ServiceUnavailableError
from terrain_contracts import Event, streams

from . import erasure, logs, mongo, telemetry
from .advisories import advisories_consumer, subscribe_advisories
from .broker import make_broker, provision
from .consumers import Consumers
from .delivery import ConsumerRuntime, delivery_middleware
from .faults import Faults
from .metrics import READY
from .monitor import watch_jetstream
from .outbox import Relay
from .settings import ServiceSettings
from .uow import Transactions, kit_indexes

log = logging.getLogger(__name__)

BackgroundTask = Callable[["Service"], Awaitable[None]]


class Service:
    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        *,
        consumers: Consumers | None = None,
        indexes: Sequence[mongo.Index] = (),
        publishes: Sequence[type[Event]] = (),
        background: Sequence[BackgroundTask] = (),
    ) -> None:
        self.name = name
        self.settings = settings
        self.instance = settings.instance or f"{socket.gethostname()}:{os.getpid()}"
        logs.configure(name, self.instance, settings.telemetry.log_level, settings.telemetry.log_format)
        self.tracer_provider = telemetry.configure(name, self.instance, settings.telemetry)
        self.mongo = mongo.connect(settings.mongo, app_name=f"terrain-{name}")
        self.db = self.mongo[settings.database_name(name)]
        self.faults = Faults(settings.fault_points)
        self.publishes = tuple(publishes)
        self.eraser = erasure.Eraser(self.db, self.jetstream)
        self.relay = Relay(self.db, self.jetstream, settings.outbox, self.faults, self.eraser.wake)
        published = frozenset(event.subject for event in self.publishes)
        self.transactions = Transactions(self.mongo, self.db, self.relay, published, self.eraser.wake)
        self._indexes = [
            *kit_indexes(settings.consumer.processed_ttl_days, settings.outbox.published_ttl_hours),
            *erasure.indexes(),
            *indexes,
        ]
        declared = list(consumers or ()) if settings.consumers_enabled else []
        self.consumers = {
            c.durable: ConsumerRuntime(
                c, name, self.transactions, settings.consumer, self.jetstream, self.faults
            )
            for c in declared
        }
        self.streams = {streams.DEADLETTER} | {c.stream for c in declared} | {e.stream for e in publishes}
        self.broker = make_broker(
            name, settings.nats, delivery_middleware(self.consumers), self.tracer_provider
        )
        for runtime in self.consumers.values():
            runtime.subscribe(self.broker)
        self._declare_publishers()
        if self.consumers:
            self.streams.add(streams.ADVISORIES)
            subscribe_advisories(self.broker, name, self.consumers)
        self._background = list(background)
        self._tasks: list[asyncio.Task] = []
        self.started = False

    def _declare_publishers(self) -> None:
        for event in self.publishes:  # declared for the AsyncAPI document; the outbox relay publishes
            self.broker.publisher(
                event.subject,
                schema=event,
                title=event.model_fields["type"].default,
                description=(event.__doc__ or "").strip().split("\n")[0] or None,
            )

    def asyncapi(self) -> str:
        """The service's events, as it publishes and consumes them (AsyncAPI 3)."""
        from faststream.specification.asyncapi import AsyncAPI

        document = AsyncAPI(self.broker, title=f"Terrain {self.name}", version="1.0.0").to_specification()
        # Sorted: FastStream does not keep the order channels were declared in.
        return yaml.safe_dump(document.to_jsonable(), sort_keys=True, allow_unicode=True)

    @property
    def personal_streams(self) -> set[str]:
        """Streams this service may delete erased personal messages from: those it publishes to, those it
        indexes outside events of, and the dead letters (its NATS user is allowed STREAM.MSG.DELETE)."""
        indexed = {
            runtime.consumer.stream for runtime in self.consumers.values() if runtime.consumer.index_personal
        }
        published = {event.stream for event in self.publishes if event.personal}
        return {streams.DEADLETTER} | published | indexed

    def jetstream(self) -> JetStreamContext:
        return self.broker.config.connection_state.stream

    async def start(self) -> None:
        await self._wait_for_mongo()
        await mongo.ensure_indexes(self.db, self._indexes)
        await self._answered(self._provision)
        # Before the subscriptions: background tasks may prime what the handlers rely on.
        self._spawn(self.relay.run(), "outbox-relay")
        self._spawn(self.eraser.run(), "personal-eraser")
        self._spawn(watch_jetstream(self.consumers.values(), self.streams, self.jetstream), "jetstream-watch")
        for task in self._background:
            self._spawn(task(self), task.__name__)
        await self._answered(self.broker.start, undo=self._unsubscribe)
        self.started = True
        READY.set(1)
        log.info(
            "service started", extra={"consumers": sorted(self.consumers), "streams": sorted(self.streams)}
        )

    async def _provision(self) -> None:
        await self.broker.connect()
        await provision(self.jetstream(), self.streams, self.settings.nats.stream_replicas)
        for runtime in self.consumers.values():
            await runtime.ensure()
        if self.consumers:
            await self.jetstream().add_consumer(streams.ADVISORIES, advisories_consumer(self.name))

    async def _unsubscribe(self) -> None:
        await asyncio.gather(*(sub.stop() for sub in self.broker.subscribers), return_exceptions=True)

    async def _answered(
        self,
        step: Callable[[], Awaitable[None]],
        undo: Callable[[], Awaitable[None]] | None = None,
        attempts: int = 5,
    ) -> None:
        """Run an idempotent start-up step, again if a JetStream request got no answer in time (a cluster
        still placing a consumer just created, e.g. by a replica starting alongside) rather than failing
        the process; ``undo`` first drops what a failed attempt left half done."""
        for attempt in range(1, attempts + 1):
            try:
                return await step()
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError, ServiceUnavailableError) as exc:
                if attempt == attempts:
                    raise
                log.warning(
                    "JetStream did not answer while starting; trying again",
                    extra={"attempt": attempt, "error": repr(exc)},
                )
                if undo is not None:
                    await undo()
                await asyncio.sleep(min(2.0**attempt, 10.0))

    async def _wait_for_mongo(self, patience: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + patience
        while True:
            try:
                await self.mongo.admin.command("ping")
                return
            except Exception as exc:
                if not mongo.is_unavailable(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("waiting for MongoDB", extra={"error": repr(exc)})

    def _spawn(self, coroutine: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coroutine)
        task.set_name(f"{self.name}:{name}")
        task.add_done_callback(self._report_crash)
        self._tasks.append(task)

    @staticmethod
    def _report_crash(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task stopped", exc_info=task.exception(), extra={"task": task.get_name()})

    async def stop(self) -> None:
        self.started = False
        READY.set(0)
        # Stop fetching and let in-flight handlers finish (graceful_timeout), before anything closes.
        await asyncio.gather(*(sub.stop() for sub in self.broker.subscribers), return_exceptions=True)
        try:
            await self.relay.flush()
        except Exception:
            log.exception("outbox flush at shutdown failed; the entries stay for the next start")
        await self._cancel_background()
        await self.broker.stop()
        await self.mongo.close()
        self.tracer_provider.shutdown()
        log.info("service stopped")

    async def _cancel_background(self, rounds: int = 10) -> None:
        pending = {task for task in self._tasks if not task.done()}
        for _ in range(rounds):
            if not pending:
                return
            # Cancel again each round: asyncio.wait_for (Python 3.11, inside nats-py requests) can swallow a
            # cancellation that arrives as its reply does, and the task would then run on forever.
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        log.error("background tasks did not stop", extra={"tasks": sorted(t.get_name() for t in pending)})

    async def health(self) -> dict[str, bool]:
        connection = self.broker.config.connection_state
        nats_ok = bool(connection and connection.connection and connection.connection.is_connected)
        try:
            await asyncio.wait_for(self.mongo.admin.command("ping"), timeout=2.0)
            mongo_ok = True
        except Exception:
            mongo_ok = False
        return {"started": self.started, "nats": nats_ok, "mongo": mongo_ok}

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


def run(app: Any, settings: ServiceSettings) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully."""
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=20,
    )
    uvicorn.Server(config).run()
