"""Erasure that erases: where personal events are stored, and deleting them when their subject is erased.

Events say which feedback items' personal data they carry (``Event.personal_refs()``). The kit records
where each such event is stored, ``personal_index``: ``{_id: "<stream>:<seq>", stream, seq, refs, at}``

- the outbox relay, once JetStream acknowledged a publish (the PubAck names stream and sequence);
- a consumer declared with ``index_personal=True`` (events from outside Terrain), in its batch's
  transaction;
- dead-lettering, for the dead-letter record (and the original message, for such a consumer).

``erase_personal(uow, feedback_ids)``, in an erasure's transaction, deletes the service's outbox entries
about those items (published or not: an erased item's pending event must not go out), marks their index
entries ``pending_delete`` and keeps a tombstone per id, so that an event about an erased item indexed
later (a publish in flight, a tool re-submitting it) is marked at once. The :class:`Eraser` (a background
task of every service) deletes the marked messages from their streams (JetStream's message delete
overwrites the message on disk) and then the index entries: network calls stay out of transactions.
"""

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import APIError
from pydantic import BaseModel, ValidationError
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts import Event, streams
from terrain_contracts.types import utcnow

from .consumers import Consumer
from .mongo import Index, asc
from .uow import OUTBOX, UnitOfWork

log = logging.getLogger(__name__)

PERSONAL_INDEX = "personal_index"
PERSONAL_ERASED = "personal_erased"
RETENTION_DAYS = 90  # the longest a stream keeps a message (FEEDBACK, INSIGHTS, INITIATIVES)
# Nothing left to delete: JSStreamMsgDeleteFailedF "no message found" (aged out, deleted already) and
# JSStreamNotFoundErr (the stream itself is gone).
GONE = {10057, 10059}


def indexes(retention_days: int = RETENTION_DAYS) -> list[Index]:
    ttl = retention_days * 86400
    return [
        Index(PERSONAL_INDEX, asc("refs")),
        Index(PERSONAL_INDEX, asc("pending_delete")),
        Index(PERSONAL_INDEX, asc("at"), name="personal_index_ttl", ttl_seconds=ttl),
        Index(PERSONAL_ERASED, asc("at"), name="personal_erased_ttl", ttl_seconds=ttl),
    ]


@dataclass(frozen=True)
class Stored:
    """Where one message carrying personal data is stored, and whose data it carries."""

    stream: str
    seq: int
    refs: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.stream}:{self.seq}"


async def record(
    db: AsyncDatabase, stored: Iterable[Stored], session: AsyncClientSession | None = None
) -> bool:
    """Index where personal messages are stored; those about an already erased item are marked at once.

    Returns whether any was marked (the caller wakes the eraser)."""
    stored = [s for s in stored if s.refs]
    if not stored:
        return False
    now = utcnow()
    writes = [
        UpdateOne(
            {"_id": s.key},
            {
                "$setOnInsert": {
                    "stream": s.stream,
                    "seq": s.seq,
                    "refs": list(s.refs),
                    "at": now,
                    "pending_delete": False,
                }
            },
            upsert=True,
        )
        for s in stored
    ]
    await db[PERSONAL_INDEX].bulk_write(writes, ordered=False, session=session)
    # Checked after writing, not before: an erasure committing meanwhile either sees these entries (and marks
    # them) or is seen here; the eraser's reconciliation covers a transaction still open at that moment.
    refs = sorted({ref for s in stored for ref in s.refs})
    erased = await _erased_among(db, refs, session)
    if not erased:
        return False
    await db[PERSONAL_INDEX].update_many(
        {"_id": {"$in": [s.key for s in stored if erased.intersection(s.refs)]}},
        {"$set": {"pending_delete": True}},
        session=session,
    )
    return True


async def _erased_among(db: AsyncDatabase, refs: list[str], session: AsyncClientSession | None) -> set[str]:
    found = await db[PERSONAL_ERASED].find({"_id": {"$in": refs}}, {"_id": 1}, session=session).to_list(None)
    return {doc["_id"] for doc in found}


def refs_of(event_type: type[Event] | None, payload: bytes) -> list[str]:
    """Whose personal data a payload carries, even one failing its contract (as far as it can be read)."""
    if event_type is None:
        return []
    try:
        return event_type.parse(payload).personal_refs()
    except ValidationError:
        pass
    try:  # invalid: the fields the refs are made of may still be there
        data_type = event_type.model_fields["data"].annotation
        if not (isinstance(data_type, type) and issubclass(data_type, BaseModel)):
            return []
        partial = data_type.model_construct(**json.loads(payload)["data"])
        fields: dict[str, Any] = {"data": partial}  # only data is read
        return event_type.model_construct(**fields).personal_refs()
    except Exception:
        return []


async def record_dead_letter(db: AsyncDatabase, consumer: Consumer, raw: Msg, dead_letter_seq: int) -> bool:
    """Index a dead-lettered payload carrying personal data (and, for a consumer of outside events, the
    original message). Returns whether any was marked for deletion at once."""
    refs = tuple(refs_of(consumer.events.get(raw.subject), raw.data))
    stored = [Stored(streams.DEADLETTER, dead_letter_seq, refs)]
    if consumer.index_personal:
        stored.append(Stored(raw.metadata.stream, raw.metadata.sequence.stream, refs))
    return await record(db, stored)


async def erase_personal(uow: UnitOfWork, feedback_ids: Sequence[str]) -> None:
    """In an erasure's transaction: forget the service's events about these items, stored or pending."""
    ids = sorted(set(feedback_ids))
    if not ids:
        return
    await uow[OUTBOX].delete_many({"refs": {"$in": ids}}, session=uow.session)
    await uow[PERSONAL_INDEX].update_many(
        {"refs": {"$in": ids}}, {"$set": {"pending_delete": True}}, session=uow.session
    )
    now = utcnow()
    await uow[PERSONAL_ERASED].bulk_write(
        [UpdateOne({"_id": i}, {"$set": {"at": now}}, upsert=True) for i in ids], session=uow.session
    )
    if uow.on_erasure is not None:
        uow.after_commit(uow.on_erasure)


class Eraser:
    """Deletes the messages marked for erasure from their streams, then their index entries."""

    def __init__(
        self,
        db: AsyncDatabase,
        jetstream: Callable[[], JetStreamContext],
        interval_seconds: float = 60.0,
        batch_size: int = 500,
    ) -> None:
        self._db = db
        self._jetstream = jetstream
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Background task: erase when woken (after an erasure commits) and sweep periodically."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.reconcile()
                while await self.erase_pending() == self._batch_size:
                    pass
            except Exception:
                log.exception("erasing personal messages failed; retrying on the next sweep")

    async def reconcile(self, window: timedelta = timedelta(hours=1)) -> None:
        """Mark the entries of recently erased items that an erasure could not see: indexed by a transaction
        still open while the erasure committed (both sides checked, neither saw the other)."""
        recent = (
            await self._db[PERSONAL_ERASED]
            .find({"at": {"$gte": utcnow() - window}}, {"_id": 1})
            .to_list(None)
        )
        if recent:
            await self._db[PERSONAL_INDEX].update_many(
                {"refs": {"$in": [doc["_id"] for doc in recent]}, "pending_delete": False},
                {"$set": {"pending_delete": True}},
            )

    async def erase_pending(self) -> int:
        """Delete one batch of marked messages; returns how many index entries were settled."""
        pending = (
            await self._db[PERSONAL_INDEX]
            .find({"pending_delete": True}, {"stream": 1, "seq": 1})
            .limit(self._batch_size)
            .to_list(None)
        )
        js = self._jetstream()
        done = []
        for entry in pending:
            await self._delete(js, entry["stream"], entry["seq"])
            done.append(entry["_id"])
        if done:
            await self._db[PERSONAL_INDEX].delete_many({"_id": {"$in": done}})
            log.info("personal messages erased from streams", extra={"messages": len(done)})
        return len(done)

    @staticmethod
    async def _delete(js: JetStreamContext, stream: str, seq: int) -> None:
        try:
            await js.delete_msg(stream, seq)  # {"seq": n}: no_erase false, the message is overwritten
        except APIError as exc:
            if exc.err_code not in GONE and "no message found" not in (exc.description or "").lower():
                raise
