"""Classified items: the text and account snapshot needed to reclassify, and what each contributed."""

from collections.abc import AsyncIterator
from typing import Any

from pymongo import InsertOne, ReplaceOne
from terrain_kit.uow import UnitOfWork

from . import ITEMS


async def states(uow: UnitOfWork, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What ingestion needs of the items it may already hold: revision, tombstone, contribution."""
    docs = (
        await uow[ITEMS]
        .find(
            {"_id": {"$in": ids}},
            {"revision": 1, "erased": 1, "contribution": 1, "corrected": 1},
            session=uow.session,
        )
        .to_list(None)
    )
    return {doc["_id"]: doc for doc in docs}


async def get(uow: UnitOfWork, feedback_id: str) -> dict[str, Any] | None:
    return await uow[ITEMS].find_one({"_id": feedback_id}, session=uow.session)


async def save(uow: UnitOfWork, docs: list[dict[str, Any]], existing: set[str]) -> None:
    """Insert new items and replace the ``existing`` ones (a plain insert costs less than an upsert).

    Two replicas inserting one new item: the second fails on the unique _id and its batch is retried."""
    if docs:
        await uow[ITEMS].bulk_write(
            [ReplaceOne({"_id": d["_id"]}, d) if d["_id"] in existing else InsertOne(d) for d in docs],
            ordered=False,
            session=uow.session,
        )


async def erase(uow: UnitOfWork, ids: list[str]) -> None:
    """Drop the items, keeping a bare tombstone so a late redelivery of their ingestion is refused."""
    if ids:
        await uow[ITEMS].bulk_write(
            [ReplaceOne({"_id": i}, {"_id": i, "erased": True}, upsert=True) for i in ids],
            ordered=False,
            session=uow.session,
        )


async def still_in_theme(uow: UnitOfWork, ids: list[str], theme: str) -> list[str]:
    """Those of ``ids`` that are still classified in ``theme`` (not moved by an edit or a replay, not erased),
    in the given order."""
    # Only the _id in the query: SecantusDB scans the whole collection as soon as a predicate is not indexed.
    docs = (
        await uow[ITEMS]
        .find({"_id": {"$in": ids}}, {"classification.themes.theme": 1}, session=uow.session)
        .to_list(None)
    )
    kept = {
        doc["_id"]
        for doc in docs
        if theme in (t["theme"] for t in (doc.get("classification") or {}).get("themes", []))
    }
    return [i for i in ids if i in kept]


async def unassigned_texts(uow: UnitOfWork, since, limit: int) -> list[dict[str, Any]]:
    return (
        await uow[ITEMS]
        .find({"unassigned_at": {"$gte": since}}, {"text": 1, "occurred_at": 1}, session=uow.session)
        .sort("unassigned_at", -1)
        .limit(limit)
        .to_list(None)
    )


async def ids_after(db: Any, after: str | None, size: int) -> AsyncIterator[list[str]]:
    """Every item id past ``after``, in order, ``size`` at a time, from one cursor (read as committed).

    One query for the whole walk: a range on ``_id`` sorted by ``_id`` per page costs a scan of the
    collection on the local Mongo-wire server, which made a replay quadratic in the history."""
    page: list[str] = []
    async for doc in (
        db[ITEMS].find({"_id": {"$gt": after}} if after else {}, {"_id": 1}).sort("_id", 1).batch_size(size)
    ):
        page.append(doc["_id"])
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


async def chunk(uow: UnitOfWork, ids: list[str]) -> list[dict[str, Any]]:
    """The items of ``ids`` not erased meanwhile, in id order."""
    return (
        await uow[ITEMS]
        .find({"_id": {"$in": ids}, "erased": {"$ne": True}}, session=uow.session)
        .sort("_id", 1)
        .to_list(None)
    )


async def count(uow: UnitOfWork) -> int:
    return await uow[ITEMS].count_documents({"erased": {"$ne": True}}, session=uow.session)
