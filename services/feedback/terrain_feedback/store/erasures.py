"""Erasure requests: deleting a customer's items, their tombstones and the record of each request."""

import re
from typing import Any

from terrain_kit.uow import UnitOfWork

from ..domain.items import dup_key
from . import ERASED, ERASURES, FEEDBACK


def erasure_query(account_id: str | None, customer_email: str | None) -> dict[str, Any]:
    if account_id:
        return {"dup_key": dup_key(account_id, None)}
    email = re.compile(f"^{re.escape(customer_email or '')}$", re.IGNORECASE)
    # The customer's own items, and those they reported themselves.
    return {"$or": [{"customer.email": email}, {"reporter.email": email, "reporter.role": "customer"}]}


async def find_erasure(uow: UnitOfWork, erasure_id: str) -> dict[str, Any] | None:
    return await uow[ERASURES].find_one({"_id": erasure_id}, session=uow.session)


async def erased_ids(uow: UnitOfWork, ids: list[str]) -> set[str]:
    """Read as committed, outside the transaction: a session serves one operation at a time."""
    docs = await uow.db[ERASED].find({"_id": {"$in": list(set(ids))}}, {"_id": 1}).to_list(None)
    return {doc["_id"] for doc in docs}


async def erase(
    uow: UnitOfWork, account_id: str | None, customer_email: str | None, record: dict[str, Any]
) -> list[str]:
    """Delete the customer's items, keep tombstones of their ids and a record of the request."""
    query = erasure_query(account_id, customer_email)
    found = await uow[FEEDBACK].find(query, {"_id": 1}, session=uow.session).to_list(None)
    ids = [doc["_id"] for doc in found]
    if ids:
        # Copies of an erased original stand on their own now.
        await uow[FEEDBACK].update_many(
            {"duplicate_of.feedback_id": {"$in": ids}}, {"$set": {"duplicate_of": None}}, session=uow.session
        )
        await uow[FEEDBACK].delete_many({"_id": {"$in": ids}}, session=uow.session)
        # An erased id is never stored again, so it has no tombstone yet.
        await uow[ERASED].insert_many(
            [{"_id": i, "erasure_id": record["_id"]} for i in ids], session=uow.session
        )
    ids.sort()
    # The record keeps the ids (never the content) so a retried request answers the same way.
    await uow[ERASURES].insert_one({**record, "feedback_ids": ids}, session=uow.session)
    return ids
