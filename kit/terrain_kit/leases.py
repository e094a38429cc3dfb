"""Leases: one replica at a time runs a periodic job (digests, escalations, detectors).

A lease is a document holding the holder's name and an expiry. Taking it
succeeds when it is free, expired, or already ours; a holder that dies
loses it when it expires. Jobs run under a lease must still be idempotent:
a lease expiring mid-job lets another replica start the same work.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from terrain_contracts.types import utcnow

log = logging.getLogger(__name__)

LEASES = "leases"


class Lease:
    def __init__(self, db: AsyncDatabase, name: str, holder: str, ttl_seconds: float) -> None:
        self._leases = db[LEASES]
        self.name = name
        self.holder = holder
        self.ttl = timedelta(seconds=ttl_seconds)

    async def acquire(self) -> bool:
        now = utcnow()
        try:
            held = await self._leases.find_one_and_update(
                {"_id": self.name, "$or": [{"holder": self.holder}, {"expires_at": {"$lt": now}}]},
                {"$set": {"holder": self.holder, "expires_at": now + self.ttl}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False  # someone else holds it: our upsert collided with their document
        return held is not None and held["holder"] == self.holder

    async def release(self) -> None:
        await self._leases.delete_one({"_id": self.name, "holder": self.holder})


async def every(interval: float, lease: Lease, job: Callable[[], Awaitable[object]]) -> None:
    """Run ``job`` every ``interval`` seconds on whichever replica holds ``lease``."""
    while True:
        try:
            if await lease.acquire():
                await job()
        except Exception:
            log.exception("periodic job failed; next run in the usual interval", extra={"job": lease.name})
        await asyncio.sleep(interval)
