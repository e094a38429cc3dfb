"""Start-up upgrades of data written by earlier versions, each recorded by a marker so later starts skip it.

- Items: only unassigned items carry ``unassigned_at`` (clustering's sparse
  index); the indexes every item write paid for are dropped.
- Buckets that held a map of every account: each loses its map; a theme-day
  bucket's accounts become membership documents and its unique-account count
  and ARR are added to what new writes may already have counted (an account
  present both ways counts once). One chunk per transaction.
"""

from datetime import datetime
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure
from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import MEMBERSHIP_SCOPE, Membership, membership_id
from . import AGGREGATES, ITEMS, JOB_RUNS, MEMBERSHIPS, OBSOLETE_INDEXES

ITEMS_MARKER = "items-unassigned-index"
BUCKETS_MARKER = "aggregates-memberships"
INDEX_NOT_FOUND = 27


async def pending(db: AsyncDatabase) -> set[str]:
    """The upgrades this database still needs."""
    done = {
        d["_id"]
        for d in await db[JOB_RUNS].find({"_id": {"$in": [ITEMS_MARKER, BUCKETS_MARKER]}}).to_list(None)
    }
    return {ITEMS_MARKER, BUCKETS_MARKER} - done


async def items(db: AsyncDatabase, now: datetime) -> None:
    """Idempotent, outside a transaction (index drops cannot be in one)."""
    # One predicate, served by the old (unassigned, occurred_at) index while it exists.
    await db[ITEMS].update_many({"unassigned": True}, [{"$set": {"unassigned_at": "$occurred_at"}}])
    for collection, name in OBSOLETE_INDEXES:
        try:
            await db[collection].drop_index(name)
        except OperationFailure as exc:
            if exc.code != INDEX_NOT_FOUND:
                raise
    await _mark(db, ITEMS_MARKER, now)


async def _mark(
    db: AsyncDatabase, marker: str, now: datetime, session: AsyncClientSession | None = None
) -> None:
    await db[JOB_RUNS].update_one({"_id": marker}, {"$set": {"ran_at": now}}, upsert=True, session=session)


async def buckets_chunk(uow: UnitOfWork, chunk: int, now: datetime) -> int:
    """Upgrade up to ``chunk`` legacy buckets; 0 once none is left (then the marker is written)."""
    legacy = (
        await uow[AGGREGATES]
        .find({"accounts": {"$type": "object"}}, session=uow.session)
        .limit(chunk)
        .to_list(None)
    )
    if not legacy:
        await _mark(uow.db, BUCKETS_MARKER, now, uow.session)
        return 0
    for bucket in legacy:
        update: dict[str, Any] = {"$unset": {"accounts": ""}}
        if (bucket["scope"], bucket["period"]) == MEMBERSHIP_SCOPE:
            inc = await _memberships(uow, bucket)
            update |= {"$inc": inc | {"writes": 1}, "$max": {"touched_at": now}}
        await uow[AGGREGATES].update_one({"_id": bucket["_id"]}, update, session=uow.session)
    return len(legacy)


async def _memberships(uow: UnitOfWork, bucket: dict[str, Any]) -> dict[str, int]:
    """Write the bucket's legacy accounts as memberships; what the bucket must add for those new to it."""
    members = {}
    for key, a in bucket["accounts"].items():
        if a.get("n", 0) > 0:
            account_id = key.replace("%2E", ".").replace("%25", "%")  # the legacy field-name escaping
            members[membership_id(bucket["_id"], account_id)] = Membership(
                bucket["_id"],
                bucket["key"],
                bucket["start"],
                account_id,
                delta=int(a["n"]),
                arr=a.get("arr"),
                currency=a.get("currency"),
                segment=a.get("segment"),
            )
    known = {
        d["_id"]
        for d in await uow[MEMBERSHIPS]
        .find({"_id": {"$in": list(members)}}, {"_id": 1}, session=uow.session)
        .to_list(None)
    }
    inc: dict[str, int] = {}
    for member_id, member in members.items():
        if member_id not in known:
            for name, amount in member.arr_inc(+1).items():
                inc[name] = inc.get(name, 0) + amount
    if members:
        await uow[MEMBERSHIPS].bulk_write(
            [
                UpdateOne({"_id": i}, {"$inc": {"n": m.delta}}) if i in known else InsertOne(m.document(i))
                for i, m in members.items()
            ],
            ordered=False,
            session=uow.session,
        )
    return inc
