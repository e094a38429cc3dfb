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

from ..domain.aggregates import Membership, Ops, bucket_id, day_starts
from . import AGGREGATES, MEMBERSHIPS


async def apply(uow: UnitOfWork, ops: Ops, now: datetime) -> None:
    gaining, losing = ops.membership_changes()
    appeared = await _add_members(uow, gaining)
    disappeared = await _take_members(uow, losing) if losing else []
    updates = ops.bucket_updates(appeared, disappeared, now)
    if updates:
        await uow[AGGREGATES].bulk_write(
            [UpdateOne({"_id": doc_id}, update, upsert=True) for doc_id, update in updates],
            ordered=False,
            session=uow.session,
        )


async def _add_members(uow: UnitOfWork, gaining: dict[str, Membership]) -> list[Membership]:
    """Add items to memberships, creating those of accounts new to their bucket; returns the created ones.

    Reading which exist, then inserting the new ones costs less on SecantusDB than upserting them all (it
    inserts documents at about twice the rate it upserts them), and most memberships of a batch are new. Two
    replicas creating
    the same membership at once conflict on its _id and one of them retries."""
    if not gaining:
        return []
    ids = list(gaining)
    known = {
        d["_id"]
        for d in await uow[MEMBERSHIPS]
        .find({"_id": {"$in": ids}}, {"_id": 1}, session=uow.session)
        .to_list(None)
    }
    await uow[MEMBERSHIPS].bulk_write(
        [
            UpdateOne({"_id": i}, {"$inc": {"n": gaining[i].delta}, "$set": gaining[i].latest()})
            if i in known
            else InsertOne(gaining[i].document(i))
            for i in ids
        ],
        ordered=False,
        session=uow.session,
    )
    return [gaining[i] for i in ids if i not in known]


async def _take_members(uow: UnitOfWork, losing: dict[str, Membership]) -> list[Membership]:
    """Decrement; memberships left with no item are deleted and returned with what their bucket counted."""
    ids = list(losing)
    await uow[MEMBERSHIPS].bulk_write(
        [UpdateOne({"_id": i}, {"$inc": {"n": losing[i].delta}}) for i in ids],
        ordered=False,
        session=uow.session,
    )
    # Only the _id in the query: SecantusDB scans the whole collection as soon as a predicate is not indexed.
    found = (
        await uow[MEMBERSHIPS]
        .find({"_id": {"$in": ids}}, {"n": 1, "arr": 1, "currency": 1}, session=uow.session)
        .to_list(None)
    )
    empty = [doc for doc in found if doc["n"] <= 0]
    if not empty:
        return []
    await uow[MEMBERSHIPS].delete_many({"_id": {"$in": [d["_id"] for d in empty]}}, session=uow.session)
    gone = []
    for doc in empty:
        member = losing[doc["_id"]]
        gone.append(
            Membership(
                member.bucket,
                member.key,
                member.start,
                member.account,
                arr=doc.get("arr"),
                currency=doc.get("currency"),
            )
        )
    return gone


async def buckets(
    uow: UnitOfWork, scope: str, key: str, period: str, starts: list[datetime]
) -> list[dict[str, Any]]:
    """The buckets at these starts that exist, oldest first."""
    docs = await buckets_by_ids(uow, [bucket_id(scope, key, period, start) for start in starts])
    return sorted(docs, key=lambda d: d["start"])


async def buckets_by_ids(uow: UnitOfWork, ids: list[str]) -> list[dict[str, Any]]:
    return await uow[AGGREGATES].find({"_id": {"$in": ids}}, session=uow.session).to_list(None)


async def items_by_id(uow: UnitOfWork, ids: list[str]) -> dict[str, int]:
    """Item counts of these buckets (absent ones are left out)."""
    docs = await uow[AGGREGATES].find({"_id": {"$in": ids}}, {"items": 1}, session=uow.session).to_list(None)
    return {d["_id"]: int(d.get("items", 0)) for d in docs}


async def range_of(
    uow: UnitOfWork, scope: str, period: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    query = {"scope": scope, "period": period, "start": {"$gte": since, "$lte": until}}
    return await uow[AGGREGATES].find(query, session=uow.session).sort("start", 1).to_list(None)


async def theme_days(
    uow: UnitOfWork, since: datetime, until: datetime, themes: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Day buckets of these themes (all but 'unassigned' by default) from ``since`` to ``until``, per theme,
    oldest first."""
    if themes is None:
        docs = await range_of(uow, "theme", "day", since, until)
    else:  # by _id: the (scope, period, start) index cannot also filter on the theme
        starts = [start for start in day_starts(until, (until - since).days + 1) if start >= since]
        docs = await buckets_by_ids(
            uow, [bucket_id("theme", t, "day", start) for t in themes for start in starts]
        )
    found: dict[str, list[dict[str, Any]]] = {}
    for bucket in sorted(docs, key=lambda d: d["start"]):
        if bucket["key"] != "unassigned":
            found.setdefault(bucket["key"], []).append(bucket)
    return found


async def members(uow: UnitOfWork, themes: list[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Account memberships of these themes' day buckets since ``since``, per theme, oldest first.

    One query per theme: SecantusDB uses the (key, start) index for an equality on the key, not for $in."""
    found: dict[str, list[dict[str, Any]]] = {}
    for theme in themes:
        found[theme] = (
            await uow[MEMBERSHIPS]
            .find({"key": theme, "start": {"$gte": since}}, {"bucket": 0}, session=uow.session)
            .sort("start", 1)
            .to_list(None)
        )
    return found


async def members_on(
    uow: UnitOfWork, days: list[tuple[str, datetime]]
) -> dict[tuple[str, datetime], list[dict]]:
    """Account memberships of these (theme, day) buckets, one indexed query each."""
    return {
        (theme, start): await uow[MEMBERSHIPS]
        .find({"key": theme, "start": start}, {"bucket": 0}, session=uow.session)
        .to_list(None)
        for theme, start in days
    }


async def touched(uow: UnitOfWork, since: datetime) -> dict[str, tuple[str, datetime, int]]:
    """Theme-day buckets written since ``since`` (only those carry ``touched_at``):
    {id: (theme, day, writes)}."""
    docs = (
        await uow[AGGREGATES]
        .find({"touched_at": {"$gte": since}}, {"key": 1, "start": 1, "writes": 1}, session=uow.session)
        .to_list(None)
    )
    return {d["_id"]: (d["key"], d["start"], d.get("writes", 0)) for d in docs if d["key"] != "unassigned"}
