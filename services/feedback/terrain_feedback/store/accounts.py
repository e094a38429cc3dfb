"""The account registry: the CRMs' latest state of each account, as of when it was current; its version."""

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import ACCOUNTS


async def accounts_for(uow: UnitOfWork, account_ids: set[str], domains: set[str]) -> list[dict[str, Any]]:
    """Read as committed, outside the transaction: a session serves one operation at a time."""
    # Two index-backed queries: the local server scans the whole collection for an $or.
    found = {}
    for query in (
        {"_id": {"$in": sorted(account_ids)}} if account_ids else None,
        {"domains": {"$in": sorted(domains)}} if domains else None,
    ):
        if query is not None:
            for doc in await uow.db[ACCOUNTS].find(query).to_list(None):
                found[doc["_id"]] = doc
    return list(found.values())


async def save_account(uow: UnitOfWork, account: dict[str, Any], as_of: datetime) -> bool:
    """Keep the newest state only: an older snapshot arriving late changes nothing. A change is a version;
    the same state again (a CRM repeating itself, the echo of an API write) only moves ``as_of``."""
    account_id = account["account_id"]
    same = {"_id": account_id, "as_of": {"$lte": as_of}, **account}
    if (await uow[ACCOUNTS].update_one(same, {"$set": {"as_of": as_of}}, session=uow.session)).matched_count:
        return True
    doc = {"_id": account_id, **account, "as_of": as_of}
    result = await uow[ACCOUNTS].update_one(
        {"_id": account_id, "as_of": {"$lte": as_of}},
        {"$set": doc, "$inc": {"version": 1}},
        session=uow.session,
    )
    if result.matched_count:
        return True
    if await uow[ACCOUNTS].find_one({"_id": account_id}, {"_id": 1}, session=uow.session):
        return False  # a newer state is already there
    await uow[ACCOUNTS].insert_one({**doc, "version": 1}, session=uow.session)
    return True


async def replace_account(
    uow: UnitOfWork, account: dict[str, Any], as_of: datetime, read: dict[str, Any] | None, version: int
) -> bool:
    """Store ``account`` as ``version`` if the stored one is still ``read`` (None: still absent)."""
    doc = {"_id": account["account_id"], **account, "as_of": as_of, "version": version}
    if read is None:
        try:
            await uow[ACCOUNTS].insert_one(doc, session=uow.session)
        except DuplicateKeyError:
            return False  # created meanwhile
        return True
    # None matches a document stored before versions were kept (no field).
    result = await uow[ACCOUNTS].replace_one(
        {"_id": doc["_id"], "version": read.get("version")}, doc, session=uow.session
    )
    return result.matched_count == 1


async def delete_account(uow: UnitOfWork, account_id: str) -> bool:
    result = await uow[ACCOUNTS].delete_one({"_id": account_id}, session=uow.session)
    return result.deleted_count == 1


async def get_account(uow: UnitOfWork, account_id: str) -> dict[str, Any] | None:
    return await uow[ACCOUNTS].find_one({"_id": account_id}, session=uow.session)


async def page_of_accounts(
    uow: UnitOfWork, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    return await page(uow.db[ACCOUNTS], {}, sort=("_id", 1), limit=limit, cursor=cursor)
