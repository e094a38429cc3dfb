"""The account registry: the CRMs' latest state of each account, as of when it was current; its version."""

from datetime import datetime
from typing import Any

from pymongo import ReplaceOne
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


async def accounts_by_id(uow: UnitOfWork, account_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The stored accounts of ``account_ids``, in the transaction (one ``$in``)."""
    query = {"_id": {"$in": sorted(account_ids)}}
    return {doc["_id"]: doc async for doc in uow[ACCOUNTS].find(query, session=uow.session)}


async def write_accounts(uow: UnitOfWork, docs: dict[str, dict[str, Any]]) -> None:
    """Store ``docs`` (the final state of each account a batch changed) in one bulk write.

    Decided on ``accounts_by_id`` read in the same transaction: a concurrent change of one of them is a
    write conflict, and the batch is retried on the new state (no guard in the filter: it halves the
    local server's rate)."""
    if docs:
        writes = [ReplaceOne({"_id": account_id}, doc, upsert=True) for account_id, doc in docs.items()]
        await uow[ACCOUNTS].bulk_write(writes, ordered=False, session=uow.session)


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
    uow: UnitOfWork, limit: int, cursor: str | None, covered_by: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Every account, or those ``covered_by`` a rep (their work email is the CRM's owner_rep_email)."""
    query = {} if covered_by is None else {"owner_rep_email": covered_by}
    return await page(uow.db[ACCOUNTS], query, sort=("_id", 1), limit=limit, cursor=cursor)
