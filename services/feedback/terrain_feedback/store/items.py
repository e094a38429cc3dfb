"""Feedback items as stored: the latest ingested revision plus what the service needs to find, edit,
link and erase them."""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import InsertOne, ReplaceOne
from pymongo.errors import DuplicateKeyError
from terrain_contracts.events.feedback import FeedbackIngestedData
from terrain_kit.pagination import page
from terrain_kit.text import fold
from terrain_kit.uow import UnitOfWork

from ..domain.items import Item, Status, dup_key
from . import FEEDBACK

_INGESTED_FIELDS = tuple(FeedbackIngestedData.model_fields)


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


async def write_items(uow: UnitOfWork, items: Iterable[Item], previous_revisions: dict[str, int]) -> None:
    """Insert new items, replace edited ones (only from the revision read: a concurrent edit conflicts)."""
    operations: list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]] = []
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
    # (an insert-only batch matches nothing: only replacements are checked)
    if expected_replacements and result.matched_count != expected_replacements:
        raise ConcurrentEdit("an item changed while this batch was decided; the batch is retried")


class ConcurrentEdit(Exception):
    """Another replica edited an item this unit of work read: retry the whole unit."""


# Another replica stored or edited the same item meanwhile: deciding again sees it (an edit or a replay).
CONFLICTS = (DuplicateKeyError, ConcurrentEdit)


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
    within_sources: frozenset[str] | None = None,
) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    if within_sources is not None:  # an integration's key sees its own sources only
        clauses.append({"source": {"$in": sorted(within_sources)}})
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


async def get_item(uow: UnitOfWork, feedback_id: str) -> dict[str, Any] | None:
    return await uow[FEEDBACK].find_one({"_id": feedback_id}, session=uow.session)


async def page_of_items(
    uow: UnitOfWork, query: dict[str, Any], limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first (by when the feedback occurred)."""
    return await page(uow.db[FEEDBACK], query, sort=("occurred_at", -1), limit=limit, cursor=cursor)
