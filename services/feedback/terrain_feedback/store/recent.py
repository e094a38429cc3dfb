"""The recent items of each customer, that a new item is compared with for near-duplicates."""

import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from pymongo import DESCENDING
from terrain_kit.uow import UnitOfWork

from ..domain.items import Item
from ..domain.similarity import Candidate
from . import FEEDBACK


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
