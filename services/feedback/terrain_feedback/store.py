"""The only module that speaks MongoDB for the feedback service. Every write takes the unit of work."""

import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DESCENDING, InsertOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts.events.feedback import FeedbackIngestedData
from terrain_kit.mongo import Index, asc
from terrain_kit.uow import UnitOfWork

from .domain.items import Item, Status, dup_key
from .domain.similarity import Candidate
from .domain.text import fold

FEEDBACK = "feedback"
ACCOUNTS = "accounts"
ERASED = "erased"  # tombstones: feedback ids erased on request, never ingested again
ERASURES = "erasures"

# Every index slows writes on the local Mongo-wire server (~1,750 docs/s with none, ~650 with four):
# only what queries need. The _id is derived from (source, external_id), so it is their unique index;
# dup_key is "account:<id>" whenever an item has an account, so it also serves the account filter.
INDEXES = [
    Index(FEEDBACK, (("occurred_at", DESCENDING), ("_id", DESCENDING))),
    Index(FEEDBACK, asc("dup_key", "occurred_at")),
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
    return Item(
        ingested=ingested,
        customer=doc.get("customer") or {},
        account_id=doc.get("account_id"),
        content_hash=doc["content_hash"],
        signature=doc.get("signature", ""),
        dup_key=doc.get("dup_key"),
        first_ingested_at=doc["first_ingested_at"],
        status=Status(doc.get("status", "open")),
        shipped_in=tuple(doc.get("shipped_in", ())),
    )


async def items_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Item]:
    docs = await uow[FEEDBACK].find({"_id": {"$in": list(set(ids))}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc_to_item(doc) for doc in docs}


async def erased_ids(db: AsyncDatabase, ids: Iterable[str]) -> set[str]:
    docs = await db[ERASED].find({"_id": {"$in": list(set(ids))}}, {"_id": 1}).to_list(None)
    return {doc["_id"] for doc in docs}


class RecentItems:
    """Per customer (dup_key), the most recent items a new one is compared with, cached in the process.

    The local Mongo-wire server answers a one-customer query on (dup_key, occurred_at) in ~10 ms but
    scans the whole collection for an $in over several customers, and per-customer summary documents
    make concurrent batches conflict. So each customer is read once (then again after ``ttl``), and
    this process's own writes are added as they are made. Items another replica stores within the
    ttl are not seen here: near-duplicate links are best effort, never an identity rule.
    """

    def __init__(self, keep: int, ttl_seconds: float = 120.0, max_customers: int = 20_000) -> None:
        self._keep = keep
        self._ttl = ttl_seconds
        self._max = max_customers
        self._cache: OrderedDict[str, tuple[float, list[Candidate]]] = OrderedDict()

    async def get(self, uow: UnitOfWork, keys: set[str]) -> dict[str, list[Candidate]]:
        now = time.monotonic()
        for key in sorted(keys):
            cached = self._cache.get(key)
            if cached is None or cached[0] < now:
                docs = (
                    await uow[FEEDBACK]
                    .find(
                        {"dup_key": key},
                        {"_id": 1, "occurred_at": 1, "signature": 1, "duplicate_of": 1},
                        session=uow.session,
                    )
                    .sort("occurred_at", DESCENDING)
                    .limit(self._keep)
                    .to_list(None)
                )
                self._store(key, [_candidate(doc) for doc in docs], now)
            self._cache.move_to_end(key)
        return {key: list(self._cache[key][1]) for key in keys}

    def add(self, items: Iterable[Item]) -> None:
        """Items this process just wrote; an edit replaces the item's earlier entry."""
        for item in items:
            if item.dup_key is None or item.dup_key not in self._cache:
                continue
            expires, found = self._cache[item.dup_key]
            root = item.ingested.duplicate_of.feedback_id if item.ingested.duplicate_of else item.feedback_id
            fresh = Candidate(item.feedback_id, item.ingested.occurred_at, item.signature, root)
            kept = [c for c in found if c.feedback_id != item.feedback_id] + [fresh]
            kept.sort(key=lambda c: c.occurred_at, reverse=True)
            self._cache[item.dup_key] = (expires, kept[: self._keep])

    def forget(self, keys: Iterable[str] | None = None) -> None:
        for key in list(self._cache) if keys is None else keys:
            self._cache.pop(key, None)

    def _store(self, key: str, found: list[Candidate], now: float) -> None:
        self._cache[key] = (now + self._ttl, found)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)


def _candidate(doc: dict[str, Any]) -> Candidate:
    root = (doc.get("duplicate_of") or {}).get("feedback_id") or doc["_id"]
    return Candidate(doc["_id"], doc["occurred_at"], doc.get("signature", ""), root)


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
        session=uow.session,
    )
    return result.modified_count


def feedback_query(
    *,
    account_id: str | None = None,
    source: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for name, value in (
        ("dup_key", dup_key(account_id, None)),
        ("source", source),
        ("kind", kind),
        ("status", status),
        ("duplicate_of.feedback_id", duplicate_of),
    ):
        if value is not None:
            clauses.append({name: value})
    if since or until:
        span = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        clauses.append({"occurred_at": span})
    # No $text index on the local server: every word of the query must appear in the folded text.
    clauses.extend({"search": {"$regex": re.escape(word)}} for word in fold(text or "").split()[:10])
    return {"$and": clauses} if clauses else {}


# -- accounts ------------------------------------------------------------------------------------


async def accounts_for(db: AsyncDatabase, account_ids: set[str], domains: set[str]) -> list[dict[str, Any]]:
    # Two index-backed queries: the local server scans the whole collection for an $or.
    found = {}
    for query in (
        {"_id": {"$in": sorted(account_ids)}} if account_ids else None,
        {"domains": {"$in": sorted(domains)}} if domains else None,
    ):
        if query is not None:
            for doc in await db[ACCOUNTS].find(query).to_list(None):
                found[doc["_id"]] = doc
    return list(found.values())


async def save_account(uow: UnitOfWork, account: dict[str, Any], as_of: datetime) -> bool:
    """Keep the newest state only: an older snapshot arriving late changes nothing."""
    doc = {"_id": account["account_id"], **account, "as_of": as_of}
    result = await uow[ACCOUNTS].update_one(
        {"_id": account["account_id"], "as_of": {"$lte": as_of}}, {"$set": doc}, session=uow.session
    )
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
        return {"dup_key": dup_key(account_id, None)}
    email = re.compile(f"^{re.escape(customer_email or '')}$", re.IGNORECASE)
    # The customer's own items, and those they reported themselves.
    return {"$or": [{"customer.email": email}, {"reporter.email": email, "reporter.role": "customer"}]}


async def find_erasure(uow: UnitOfWork, erasure_id: str) -> dict[str, Any] | None:
    return await uow[ERASURES].find_one({"_id": erasure_id}, session=uow.session)


async def erase(uow: UnitOfWork, query: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """Delete the matching items, keep tombstones of their ids and a record of the request."""
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
