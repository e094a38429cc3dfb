"""Bucket documents, one per (theme or area, hour or day), and the account memberships of theme-day buckets.

Buckets are written only with atomic operators, in the caller's transaction. A
batch costs a read of which memberships exist, one bulk write of memberships
and one of buckets (plus, when items are taken back, a read and a delete of
the memberships that may have emptied).
"""

from datetime import datetime
from typing import Any

from pymongo import InsertOne, UpdateOne

from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import Membership, Ops, bucket_id
from . import AGGREGATES, MEMBERSHIPS


async def apply(uow: UnitOfWork, ops: Ops, now: datetime) -> None:
    gaining, losing = ops.membership_changes()
    appeared = await _add_members(uow, gaining)
    disappeared = await _take_members(uow, losing) if losing else []
    updates = ops.bucket_updates(appeared, disappeared, now)
    if updates:
        await uow[AGGREGATES].bulk_write([UpdateOne({"_id": doc_id}, update, upsert=True)
                                          for doc_id, update in updates], ordered=False, session=uow.session)


async def _add_members(uow: UnitOfWork, gaining: dict[str, Membership]) -> list[Membership]:
    """Add items to memberships, creating those of accounts new to their bucket; returns the created ones.

    Reading which exist, then inserting the new ones costs less on SecantusDB than upserting them all (an
    insert is about a fifth of an upsert), and most memberships of a batch are new. Two replicas creating
    the same membership at once conflict on its _id and one of them retries."""
    if not gaining:
        return []
    ids = list(gaining)
    known = {d["_id"] for d in await uow[MEMBERSHIPS].find({"_id": {"$in": ids}}, {"_id": 1},
                                                           session=uow.session).to_list(None)}
    await uow[MEMBERSHIPS].bulk_write(
        [UpdateOne({"_id": i}, {"$inc": {"n": gaining[i].delta}, "$set": gaining[i].latest()}) if i in known
         else InsertOne(gaining[i].document(i)) for i in ids], ordered=False, session=uow.session)
    return [gaining[i] for i in ids if i not in known]


async def _take_members(uow: UnitOfWork, losing: dict[str, Membership]) -> list[Membership]:
    """Decrement; memberships left with no item are deleted and returned with what their bucket counted."""
    ids = list(losing)
    await uow[MEMBERSHIPS].bulk_write([UpdateOne({"_id": i}, {"$inc": {"n": losing[i].delta}}) for i in ids],
                                      ordered=False, session=uow.session)
    empty = await uow[MEMBERSHIPS].find({"_id": {"$in": ids}, "n": {"$lte": 0}}, {"arr": 1, "currency": 1},
                                        session=uow.session).to_list(None)
    if not empty:
        return []
    await uow[MEMBERSHIPS].delete_many({"_id": {"$in": [d["_id"] for d in empty]}}, session=uow.session)
    gone = []
    for doc in empty:
        member = losing[doc["_id"]]
        gone.append(Membership(member.bucket, member.key, member.start, member.account, arr=doc.get("arr"),
                               currency=doc.get("currency")))
    return gone


async def buckets(uow: UnitOfWork, scope: str, key: str, period: str, starts: list[datetime]) -> list[dict[str, Any]]:
    """The buckets at these starts that exist, oldest first."""
    ids = [bucket_id(scope, key, period, start) for start in starts]
    docs = await uow[AGGREGATES].find({"_id": {"$in": ids}}, session=uow.session).to_list(None)
    return sorted(docs, key=lambda d: d["start"])


async def items_by_id(uow: UnitOfWork, ids: list[str]) -> dict[str, int]:
    """Item counts of these buckets (absent ones are left out)."""
    docs = await uow[AGGREGATES].find({"_id": {"$in": ids}}, {"items": 1}, session=uow.session).to_list(None)
    return {d["_id"]: int(d.get("items", 0)) for d in docs}


async def range_of(uow: UnitOfWork, scope: str, period: str, since: datetime, until: datetime,
                   keys: list[str] | None = None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"scope": scope, "period": period, "start": {"$gte": since, "$lte": until}}
    if keys is not None:
        query["key"] = {"$in": keys}
    return await uow[AGGREGATES].find(query, session=uow.session).sort("start", 1).to_list(None)


async def members(uow: UnitOfWork, themes: list[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Account memberships of these themes' day buckets since ``since``, per theme, oldest first."""
    found: dict[str, list[dict[str, Any]]] = {theme: [] for theme in themes}
    if not themes:
        return found
    cursor = uow[MEMBERSHIPS].find({"key": {"$in": themes}, "start": {"$gte": since}},
                                   {"bucket": 0}, session=uow.session).sort("start", 1)
    async for doc in cursor:
        found[doc["key"]].append(doc)
    return found


async def touched(uow: UnitOfWork, since: datetime) -> dict[str, tuple[str, int]]:
    """Theme-day buckets written since ``since`` (only those carry ``touched_at``): {id: (theme, writes)}."""
    docs = await uow[AGGREGATES].find({"touched_at": {"$gte": since}}, {"key": 1, "writes": 1},
                                      session=uow.session).to_list(None)
    return {d["_id"]: (d["key"], d.get("writes", 0)) for d in docs if d["key"] != "unassigned"}
