"""Keyset pagination for list APIs: stable under inserts, cheap at any depth.

    docs, cursor = await page(db["feedback"], {"account_id": "acme"}, sort=("occurred_at", -1),
                              limit=limit, cursor=cursor)
    return Page(items=[...], next_cursor=cursor)

The cursor is opaque to clients: the sort value and ``_id`` of the last item.
"""

import base64
from typing import Any, Generic, TypeVar

from bson import json_util
from pydantic import BaseModel, Field
from pymongo.asynchronous.collection import AsyncCollection

from .errors import Invalid

T = TypeVar("T")

MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null at the end."
    )


def _encode(value: Any, identifier: Any) -> str:
    return base64.urlsafe_b64encode(json_util.dumps([value, identifier]).encode()).decode()


def _decode(cursor: str) -> tuple[Any, Any]:
    try:
        value, identifier = json_util.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as exc:
        raise Invalid("cursor", "pass back the next_cursor of a previous page") from exc
    return value, identifier


async def page(
    collection: AsyncCollection,
    query: dict[str, Any],
    *,
    sort: tuple[str, int] = ("_id", -1),
    limit: int = 50,
    cursor: str | None = None,
    projection: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    field, direction = sort
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor is not None:
        value, identifier = _decode(cursor)
        beyond = "$lt" if direction < 0 else "$gt"
        after = {"$or": [{field: {beyond: value}}, {field: value, "_id": {beyond: identifier}}]}
        query = {"$and": [query, after]} if query else after
    order = [(field, direction)] if field == "_id" else [(field, direction), ("_id", direction)]
    docs = await collection.find(query, projection).sort(order).limit(limit + 1).to_list(None)
    if len(docs) <= limit:
        return docs, None
    docs = docs[:limit]
    return docs, _encode(docs[-1].get(field), docs[-1]["_id"])
