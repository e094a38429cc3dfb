"""Upgrade of bucket documents written before account memberships (a map of every account in the bucket).

Each legacy bucket loses its map; a theme-day bucket's accounts become
membership documents and its unique-account count and ARR are added to
what new writes may already have counted (an account present both ways
counts once). One chunk per transaction; a marker records completion so
later starts skip the scan.
"""

from typing import Any

from pymongo import InsertOne, UpdateOne

from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import MEMBERSHIP_SCOPE, Membership, membership_id
from ..store import AGGREGATES, JOB_RUNS, MEMBERSHIPS
from .context import utcnow

MARKER = "aggregates-memberships"


async def done(uow: UnitOfWork) -> bool:
    return await uow[JOB_RUNS].find_one({"_id": MARKER}, session=uow.session) is not None


async def upgrade_chunk(uow: UnitOfWork, chunk: int) -> int:
    """Upgrade up to ``chunk`` legacy buckets; 0 once none is left (then the marker is written)."""
    legacy = await uow[AGGREGATES].find({"accounts": {"$type": "object"}}, session=uow.session
                                        ).limit(chunk).to_list(None)
    if not legacy:
        await uow[JOB_RUNS].update_one({"_id": MARKER}, {"$set": {"ran_at": utcnow()}}, upsert=True,
                                       session=uow.session)
        return 0
    now = utcnow()
    for bucket in legacy:
        update: dict[str, Any] = {"$unset": {"accounts": ""}}
        if (bucket["scope"], bucket["period"]) == MEMBERSHIP_SCOPE:
            inc = await _memberships(uow, bucket)
            if inc:
                update |= {"$inc": inc, "$max": {"touched_at": now}}
        await uow[AGGREGATES].update_one({"_id": bucket["_id"]}, update, session=uow.session)
    return len(legacy)


async def _memberships(uow: UnitOfWork, bucket: dict[str, Any]) -> dict[str, int]:
    """Write the bucket's legacy accounts as memberships; what the bucket must add for those new to it."""
    accounts = {account_id: a for key, a in bucket["accounts"].items() if a.get("n", 0) > 0
                for account_id in [key.replace("%2E", ".").replace("%25", "%")]}
    ids = {membership_id(bucket["_id"], account_id): account_id for account_id in accounts}
    known = {d["_id"] for d in await uow[MEMBERSHIPS].find({"_id": {"$in": list(ids)}}, {"_id": 1},
                                                           session=uow.session).to_list(None)}
    requests: list[Any] = []
    inc: dict[str, int] = {}
    for member_id, account_id in ids.items():
        a = accounts[account_id]
        if member_id in known:
            requests.append(UpdateOne({"_id": member_id}, {"$inc": {"n": int(a["n"])}}))
            continue
        member = Membership(bucket["_id"], bucket["key"], bucket["start"], account_id, arr=a.get("arr"),
                            currency=a.get("currency"))
        requests.append(InsertOne({"_id": member_id, "bucket": member.bucket, "key": member.key,
                                   "start": member.start, "account": account_id, "n": int(a["n"]),
                                   "arr": member.arr, "currency": member.currency, "segment": a.get("segment")}))
        for name, amount in member.arr_inc(+1).items():
            inc[name] = inc.get(name, 0) + amount
    if requests:
        await uow[MEMBERSHIPS].bulk_write(requests, ordered=False, session=uow.session)
    return inc
