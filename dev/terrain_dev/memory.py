"""An in-memory unit of work for the fast tier: handlers run against mongomock, with no server and no I/O.

    uow = memory_uow()                       # a real UnitOfWork over an in-memory database
    await handlers.record_vote(uow, ...)
    assert [e["subject"] for e in uow.outbox] == [BallotVoted.subject]
    assert await uow["votes"].count_documents({}) == 1

The collections take PyMongo's async API as the store calls it (``session=`` is accepted and ignored:
one handler at a time, nothing to isolate). mongomock implements MongoDB's query and update language in
Python; what it lacks fails loudly (NotImplementedError), never silently. The integration tests stay the
proof against the real wire server.
"""

from collections.abc import Iterable
from typing import Any

import mongomock
import mongomock.results
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne
from terrain_contracts import Event
from terrain_kit.uow import UnitOfWork


class MemoryCursor:
    """PyMongo's async cursor over mongomock's: chained sort/skip/limit, ``to_list``, ``async for``."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._cursor, name)

        def chained(*args: Any, **kwargs: Any) -> "MemoryCursor":
            method(*args, **kwargs)
            return self

        return chained

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        found = list(self._cursor)
        return found if length is None else found[:length]

    def __aiter__(self) -> "MemoryCursor":
        self._iterator = iter(self._cursor)
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return next(self._iterator)
        except StopIteration:
            raise StopAsyncIteration from None

    async def close(self) -> None:
        return None


class MemoryCollection:
    """One collection; every method of PyMongo's AsyncCollection the stores use, awaited as there."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.name = collection.name

    def find(self, *args: Any, session: Any = None, **kwargs: Any) -> MemoryCursor:
        return MemoryCursor(self._collection.find(*args, **kwargs))

    async def aggregate(
        self, pipeline: list[dict[str, Any]], session: Any = None, **kwargs: Any
    ) -> MemoryCursor:
        return MemoryCursor(self._collection.aggregate(pipeline, **kwargs))

    async def bulk_write(self, requests: list[Any], ordered: bool = True, session: Any = None) -> Any:
        # mongomock's own bulk_write predates the operations of PyMongo 4.x: each is applied here, and the
        # counts a store reads (matched, modified, upserted ids...) are added up as the server reports them.
        totals: dict[str, Any] = {
            "nInserted": 0,
            "nUpserted": 0,
            "nMatched": 0,
            "nModified": 0,
            "nRemoved": 0,
            "upserted": [],
        }
        for index, request in enumerate(requests):
            result = _OPERATIONS[type(request)](self._collection, request)
            if isinstance(request, InsertOne):
                totals["nInserted"] += 1
            elif isinstance(request, DeleteOne | DeleteMany):
                totals["nRemoved"] += result.deleted_count
            elif result.upserted_id is not None:
                totals["nUpserted"] += 1
                totals["upserted"].append({"index": index, "_id": result.upserted_id})
            else:
                totals["nMatched"] += result.matched_count
                totals["nModified"] += result.modified_count
        return mongomock.results.BulkWriteResult(totals, True)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._collection, name)

        async def awaited(*args: Any, session: Any = None, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return awaited


_OPERATIONS = {
    InsertOne: lambda c, op: c.insert_one(op._doc),
    UpdateOne: lambda c, op: c.update_one(op._filter, op._doc, upsert=bool(op._upsert)),
    UpdateMany: lambda c, op: c.update_many(op._filter, op._doc, upsert=bool(op._upsert)),
    ReplaceOne: lambda c, op: c.replace_one(op._filter, op._doc, upsert=bool(op._upsert)),
    DeleteOne: lambda c, op: c.delete_one(op._filter),
    DeleteMany: lambda c, op: c.delete_many(op._filter),
}


class MemoryDatabase:
    def __init__(self, name: str = "memory") -> None:
        self._db: Any = mongomock.MongoClient(tz_aware=True)[name]  # mongomock has no type hints
        self.name = name

    def __getitem__(self, collection: str) -> MemoryCollection:
        return MemoryCollection(self._db[collection])

    __getattr__ = __getitem__


def memory_uow(
    db: MemoryDatabase | None = None, publishes: Iterable[type[Event]] | None = None
) -> UnitOfWork:
    """A real :class:`UnitOfWork` over an in-memory database; ``publishes`` limits what it may emit."""
    allowed = None if publishes is None else frozenset(event.subject for event in publishes)
    # A stand-in for AsyncDatabase (the collections the handlers use) with no session: duck-typed on purpose.
    return UnitOfWork(db or MemoryDatabase(), None, publishes=allowed)  # type: ignore[arg-type]
