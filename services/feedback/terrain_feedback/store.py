"""The only module that speaks MongoDB for the feedback service. Every write takes the unit of work."""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DESCENDING, InsertOne, ReplaceOne

from terrain_contracts.events.feedback import FeedbackIngestedData
from terrain_kit.mongo import Index, asc
from terrain_kit.uow import UnitOfWork

from .domain.items import Item, Status
from .domain.similarity import Candidate, trigrams
from .domain.text import fold

FEEDBACK = "feedback"
ACCOUNTS = "accounts"
ERASED = "erased"  # tombstones: feedback ids erased on request, never ingested again
ERASURES = "erasures"

INDEXES = [
    Index(FEEDBACK, asc("source", "external_id"), unique=True),
    Index(FEEDBACK, (("occurred_at", DESCENDING), ("_id", DESCENDING))),
    Index(FEEDBACK, asc("account_id", "occurred_at")),
    Index(FEEDBACK, asc("dup_key", "occurred_at")),
    Index(FEEDBACK, asc("customer.email")),
    Index(FEEDBACK, asc("reporter.email")),
    Index(ACCOUNTS, asc("domains")),
]

_INGESTED_FIELDS = tuple(FeedbackIngestedData.model_fields)


# -- items ---------------------------------------------------------------------------------------

def item_to_doc(item: Item) -> dict[str, Any]:
    doc = item.ingested.model_dump(mode="json")
    doc.update(
        _id=item.feedback_id,
        occurred_at=item.ingested.occurred_at,  # real datetimes, for range queries and sorting
        ingested_at=item.ingested.ingested_at,
        customer=item.customer,
        account_id=item.account_id,
        content_hash=item.content_hash,
        signature=item.signature,
        dup_key=item.dup_key,
        first_ingested_at=item.first_ingested_at,
        status=item.status.value,
        shipped_in=list(item.shipped_in),
        search=fold(item.ingested.text),
    )
    return doc


def doc_to_item(doc: dict[str, Any]) -> Item:
    ingested = FeedbackIngestedData.model_validate({k: doc[k] for k in _INGESTED_FIELDS if k in doc})
    return Item(ingested=ingested, customer=doc.get("customer") or {}, account_id=doc.get("account_id"),
                content_hash=doc["content_hash"], signature=doc.get("signature", ""), dup_key=doc.get("dup_key"),
                first_ingested_at=doc["first_ingested_at"], status=Status(doc.get("status", "open")),
                shipped_in=tuple(doc.get("shipped_in", ())))


async def items_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Item]:
    docs = await uow[FEEDBACK].find({"_id": {"$in": list(set(ids))}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc_to_item(doc) for doc in docs}


async def erased_ids(uow: UnitOfWork, ids: Iterable[str]) -> set[str]:
    docs = await uow[ERASED].find({"_id": {"$in": list(set(ids))}}, {"_id": 1}, session=uow.session).to_list(None)
    return {doc["_id"] for doc in docs}


async def duplicate_candidates(uow: UnitOfWork, keys: set[str], start: datetime, end: datetime,
                               limit: int) -> dict[str, list[Candidate]]:
    """Recent items of the same customers, nearest the batch's time span first, at most ``limit``."""
    if not keys:
        return {}
    docs = await uow[FEEDBACK].find(
        {"dup_key": {"$in": sorted(keys)}, "occurred_at": {"$gte": start, "$lte": end}},
        {"_id": 1, "dup_key": 1, "occurred_at": 1, "signature": 1, "duplicate_of": 1},
        session=uow.session,
    ).sort("occurred_at", DESCENDING).limit(limit).to_list(None)
    found: dict[str, list[Candidate]] = {}
    for doc in docs:
        root = (doc.get("duplicate_of") or {}).get("feedback_id") or doc["_id"]
        found.setdefault(doc["dup_key"], []).append(
            Candidate(doc["_id"], doc["occurred_at"], trigrams(doc.get("signature", "")), root))
    return found


async def write_items(uow: UnitOfWork, items: Iterable[Item], previous_revisions: dict[str, int]) -> None:
    """Insert new items, replace edited ones (only from the revision read: a concurrent edit conflicts)."""
    operations = []
    for item in items:
        doc = item_to_doc(item)
        before = previous_revisions.get(item.feedback_id)
        if before is None:
            operations.append(InsertOne(doc))
        else:
            operations.append(ReplaceOne({"_id": item.feedback_id, "revision": before}, doc))
    if not operations:
        return
    result = await uow[FEEDBACK].bulk_write(operations, ordered=True, session=uow.session)
    expected_replacements = sum(1 for op in operations if isinstance(op, ReplaceOne))
    if result.matched_count != expected_replacements:
        raise ConcurrentEdit("an item changed while this batch was decided; the batch is retried")


class ConcurrentEdit(Exception):
    """Another replica edited an item this unit of work read: retry the whole unit."""


async def mark_shipped(uow: UnitOfWork, ids: list[str], initiative_id: str) -> int:
    result = await uow[FEEDBACK].update_many(
        {"_id": {"$in": ids}},
        {"$set": {"status": Status.shipped.value}, "$addToSet": {"shipped_in": initiative_id}},
        session=uow.session)
    return result.modified_count


def feedback_query(*, account_id: str | None = None, source: str | None = None, kind: str | None = None,
                   status: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   text: str | None = None, duplicate_of: str | None = None) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for name, value in (("account_id", account_id), ("source", source), ("kind", kind), ("status", status),
                        ("duplicate_of.feedback_id", duplicate_of)):
        if value is not None:
            clauses.append({name: value})
    if since or until:
        clauses.append({"occurred_at": {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}})
    # No $text index on the local server: every word of the query must appear in the folded text.
    clauses.extend({"search": {"$regex": re.escape(word)}} for word in fold(text or "").split()[:10])
    return {"$and": clauses} if clauses else {}


# -- accounts ------------------------------------------------------------------------------------

async def accounts_for(uow: UnitOfWork, account_ids: set[str], domains: set[str]) -> list[dict[str, Any]]:
    if not account_ids and not domains:
        return []
    return await uow[ACCOUNTS].find(
        {"$or": [{"_id": {"$in": sorted(account_ids)}}, {"domains": {"$in": sorted(domains)}}]},
        session=uow.session).to_list(None)


async def save_account(uow: UnitOfWork, account: dict[str, Any], as_of: datetime) -> bool:
    """Keep the newest state only: an older snapshot arriving late changes nothing."""
    doc = {"_id": account["account_id"], **account, "as_of": as_of}
    result = await uow[ACCOUNTS].update_one(
        {"_id": account["account_id"], "as_of": {"$lte": as_of}}, {"$set": doc}, session=uow.session)
    if result.matched_count:
        return True
    if await uow[ACCOUNTS].find_one({"_id": account["account_id"]}, {"_id": 1}, session=uow.session):
        return False  # a newer state is already there
    await uow[ACCOUNTS].insert_one(doc, session=uow.session)
    return True


async def delete_account(uow: UnitOfWork, account_id: str) -> bool:
    result = await uow[ACCOUNTS].delete_one({"_id": account_id}, session=uow.session)
    return result.deleted_count == 1


# -- erasure -------------------------------------------------------------------------------------

def erasure_query(account_id: str | None, customer_email: str | None) -> dict[str, Any]:
    if account_id:
        return {"account_id": account_id}
    email = re.compile(f"^{re.escape(customer_email or '')}$", re.IGNORECASE)
    # The customer's own items, and those they reported themselves.
    return {"$or": [{"customer.email": email}, {"reporter.email": email, "reporter.role": "customer"}]}


async def find_erasure(uow: UnitOfWork, erasure_id: str) -> dict[str, Any] | None:
    return await uow[ERASURES].find_one({"_id": erasure_id}, session=uow.session)


async def erase(uow: UnitOfWork, query: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """Delete the matching items, keep tombstones of their ids and a record of the request."""
    ids = [doc["_id"] for doc in await uow[FEEDBACK].find(query, {"_id": 1}, session=uow.session).to_list(None)]
    if ids:
        await uow[FEEDBACK].delete_many({"_id": {"$in": ids}}, session=uow.session)
        await uow[ERASED].bulk_write([ReplaceOne({"_id": i}, {"_id": i, "erasure_id": record["_id"]}, upsert=True)
                                      for i in ids], ordered=False, session=uow.session)
    ids.sort()
    # The record keeps the ids (never the content) so a retried request answers the same way.
    await uow[ERASURES].insert_one({**record, "feedback_ids": ids}, session=uow.session)
    return ids
