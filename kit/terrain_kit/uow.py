"""Unit of work: a state change and the events it implies, committed in one MongoDB transaction.

Handlers never publish. They change state through ``uow.session`` and call
``uow.emit(event)``; the events are written to the ``outbox`` collection in
the same transaction and the relay publishes them after the commit.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar
from uuid import UUID

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts import Event
from terrain_contracts.types import utcnow

from .mongo import Index, asc
from .telemetry import current_trace_headers

T = TypeVar("T")

OUTBOX = "outbox"
PROCESSED = "processed"


def kit_indexes(processed_ttl_days: int, published_ttl_hours: int) -> list[Index]:
    return [
        Index(OUTBOX, asc("published_at", "created_at")),
        Index(OUTBOX, asc("refs"), sparse=True),
        Index(
            OUTBOX, asc("published_at"), name="outbox_published_ttl", ttl_seconds=published_ttl_hours * 3600
        ),
        Index(PROCESSED, asc("at"), ttl_seconds=processed_ttl_days * 86400),
    ]


class Publisher(Protocol):
    """What a transaction hands its committed outbox entries to (the outbox ``Relay``)."""

    def publish_soon(self, entries: list[dict[str, Any]]) -> None: ...


class UndeclaredEvent(Exception):
    """A service emitted an event it does not declare: its NATS user would be refused the publish."""


class UnitOfWork:
    def __init__(
        self,
        db: AsyncDatabase,
        session: AsyncClientSession,
        trace_for: Mapping[UUID, dict[str, str]] | None = None,
        publishes: frozenset[str] | None = None,
        on_erasure: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.session = session
        self._trace_for = trace_for or {}
        self._publishes = publishes
        # Wakes the service's eraser once an erasure commits (terrain_kit.erasure.erase_personal).
        self.on_erasure = on_erasure
        self.outbox: list[dict[str, Any]] = []
        self.committed_actions: list[Callable[[], None]] = []

    @classmethod
    def read_only(cls, db: AsyncDatabase) -> "UnitOfWork":
        """A unit of work outside any transaction, for the store's read functions; emitting is refused."""
        return cls(db, None, publishes=frozenset())  # type: ignore[arg-type]  # no session: reads only

    def trace_of(self, event_id: UUID) -> dict[str, str]:
        """The trace headers of the message that carried ``event_id`` (empty if unknown)."""
        return dict(self._trace_for.get(event_id) or {})

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this unit of work has committed; never for an attempt that rolled back.

        For in-process state that must only reflect committed data (caches)."""
        self.committed_actions.append(action)

    def emit(self, *events: Event) -> None:
        """Record events to publish once this unit of work commits."""
        now = utcnow()
        for event in events:
            if self._publishes is not None and event.subject not in self._publishes:
                raise UndeclaredEvent(
                    f"{event.subject} is not among the events this service publishes "
                    "(terrain_contracts.registry.PUBLISHED_BY)"
                )
            # The trace of the message that caused the event, so one trace follows the flow.
            caused_by = self._trace_for.get(event.causation_id) if event.causation_id else None
            headers = caused_by or current_trace_headers()
            self.outbox.append(
                {
                    "_id": str(event.id),
                    "subject": event.subject,
                    "stream": event.stream,
                    "body": event.model_dump_json(),
                    "headers": headers,
                    # Whose personal data it carries: erasing one of them deletes the entry, and the
                    # stored message once published (terrain_kit.erasure).
                    "refs": event.personal_refs(),
                    "created_at": now,
                    "published_at": None,
                }
            )

    def __getitem__(self, collection: str):
        return self.db[collection]


class Transactions:
    """Runs units of work; the single way services write state."""

    def __init__(
        self,
        client: AsyncMongoClient,
        db: AsyncDatabase,
        relay: Publisher,
        publishes: frozenset[str] | None = None,
        on_erasure: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self.db = db
        self._relay = relay
        self._publishes = publishes
        self.on_erasure = on_erasure

    def wake_eraser(self) -> None:
        if self.on_erasure is not None:
            self.on_erasure()

    async def run(
        self,
        work: Callable[[UnitOfWork], Awaitable[T]],
        trace_for: Mapping[UUID, dict[str, str]] | None = None,
    ) -> T:
        """Run ``work`` in a transaction (retried whole on transient conflicts), then publish its events."""
        committed: list[UnitOfWork] = []

        async def attempt(session: AsyncClientSession) -> T:
            uow = UnitOfWork(self.db, session, trace_for, self._publishes, self.on_erasure)
            result = await work(uow)
            if uow.outbox:
                await self.db[OUTBOX].insert_many(uow.outbox, session=session)
            committed[:] = [uow]
            return result

        async with self._client.start_session() as session:
            result = await session.with_transaction(attempt)
        self._relay.publish_soon(committed[0].outbox)
        for action in committed[0].committed_actions:
            action()
        return result
