"""Bucket documents: one per (theme or area, hour or day); written only with atomic operators."""

from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import Ops, bucket_id
from . import AGGREGATES


async def apply(uow: UnitOfWork, ops: Ops) -> None:
    updates = ops.updates()
    if updates:
        await uow[AGGREGATES].bulk_write([UpdateOne({"_id": doc_id}, update, upsert=True)
                                          for doc_id, update in updates], ordered=False, session=uow.session)


async def buckets(uow: UnitOfWork, scope: str, key: str, period: str, starts: list[datetime],
                  with_accounts: bool = True) -> list[dict[str, Any]]:
    """The buckets at these starts that exist, oldest first."""
    ids = [bucket_id(scope, key, period, start) for start in starts]
    projection = None if with_accounts else {"accounts": 0}
    docs = await uow[AGGREGATES].find({"_id": {"$in": ids}}, projection, session=uow.session).to_list(None)
    return sorted(docs, key=lambda d: d["start"])


async def range_of(uow: UnitOfWork, scope: str, period: str, since: datetime, until: datetime,
                   key: str | None = None, with_accounts: bool = True) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"scope": scope, "period": period, "start": {"$gte": since, "$lte": until}}
    if key is not None:
        query["key"] = key
    projection = None if with_accounts else {"accounts": 0}
    return await uow[AGGREGATES].find(query, projection, session=uow.session).sort("start", 1).to_list(None)
