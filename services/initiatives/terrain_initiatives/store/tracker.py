"""Issue creations waiting for the tracker (one per initiative), and initiatives found by their issue.

A creation is claimed by one replica at a time (pending -> sending, with a deadline); a replica that dies
mid-call loses its claim when the deadline passes and another retries it (``claims`` counts the tries, so
a retry first looks for the issue the lost call may have created).
"""

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from terrain_kit.uow import PROCESSED, UnitOfWork

from . import INITIATIVES, TRACKER_SYNCS


async def request(uow: UnitOfWork, initiative_id: str, cause: str, now: datetime) -> bool:
    """Ask for the issue of a committed initiative; a failed one asked again is retried from scratch.

    Returns whether there is now something to do (False: asked already and pending or done)."""
    fresh = {"state": "pending", "attempts": 0, "claims": 0, "next_at": now, "last_error": None}
    result = await uow[TRACKER_SYNCS].update_one(
        {"_id": initiative_id},
        {"$setOnInsert": {"created_at": now, "cause": cause, **fresh}},
        upsert=True,
        session=uow.session,
    )
    if result.upserted_id is not None:
        return True
    retried = await uow[TRACKER_SYNCS].update_one(
        {"_id": initiative_id, "state": "failed"}, {"$set": {**fresh, "cause": cause}}, session=uow.session
    )
    return retried.modified_count == 1


async def claim(db: AsyncDatabase, holder: str, now: datetime, seconds: float) -> dict[str, Any] | None:
    """One due creation, for this replica only until ``now + seconds``."""
    due = {
        "$or": [
            {"state": "pending", "next_at": {"$lte": now}},
            {"state": "sending", "claimed_until": {"$lt": now}},  # its replica died mid-call
        ]
    }
    return await db[TRACKER_SYNCS].find_one_and_update(
        due,
        {
            "$set": {
                "state": "sending",
                "claimed_by": holder,
                "claimed_until": now + timedelta(seconds=seconds),
            },
            "$inc": {"claims": 1},
        },
        sort=[("next_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


async def finish(uow: UnitOfWork, initiative_id: str, fields: dict[str, Any]) -> None:
    await uow[TRACKER_SYNCS].update_one({"_id": initiative_id}, {"$set": fields}, session=uow.session)


async def retry_at(uow: UnitOfWork, doc: dict[str, Any], at: datetime, error: str) -> None:
    await uow[TRACKER_SYNCS].update_one(
        {"_id": doc["_id"], "claimed_by": doc["claimed_by"]},
        {"$set": {"state": "pending", "next_at": at, "last_error": error}, "$inc": {"attempts": 1}},
        session=uow.session,
    )


async def get(uow: UnitOfWork, initiative_id: str) -> dict[str, Any] | None:
    return await uow[TRACKER_SYNCS].find_one({"_id": initiative_id}, session=uow.session)


async def unpublished_dead_letters(db: AsyncDatabase) -> list[dict[str, Any]]:
    return await db[TRACKER_SYNCS].find({"dead_letter.published": False}).to_list(100)


async def dead_letter_published(db: AsyncDatabase, initiative_id: str) -> None:
    await db[TRACKER_SYNCS].update_one({"_id": initiative_id}, {"$set": {"dead_letter.published": True}})


async def by_issue(uow: UnitOfWork, tracker: str, issue_key: str) -> dict[str, Any] | None:
    return await uow[INITIATIVES].find_one(
        {"tracker.name": tracker, "tracker.issue_key": issue_key}, session=uow.session
    )


async def forget_processed(uow: UnitOfWork, durable: str, event_id: str) -> None:
    """The event that asked for a creation now failed for good: a replay of its dead letter must reach the
    consumer again instead of being skipped as processed (the kit's marker is ``<durable>:<event id>``)."""
    await uow[PROCESSED].delete_one({"_id": f"{durable}:{event_id}"}, session=uow.session)
