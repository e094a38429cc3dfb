"""Deliveries: one record per recipient and channel, claimed atomically by one dispatcher at a time."""

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts.events.notification import Channel, Purpose
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from ..domain.deliveries import DELIVERED, FAILED, PENDING, SENDING
from . import COUNTERS, DELIVERIES, REPORTERS, THROTTLE

HISTORY_KEPT = 20
FILTERS = ("status", "channel", "purpose", "insight_ids", "initiative_id", "recipient_id", "ritual", "step")


def document(
    nid: str,
    purpose: Purpose,
    channel: Channel,
    recipient_id: str,
    target: dict[str, Any],
    body: dict[str, Any],
    now: datetime,
    at: datetime,
    **refs: Any,
) -> dict[str, Any]:
    """A new pending delivery, due ``at``; ``refs`` (insight_ids, initiative_id, reasons...) are kept."""
    return {
        "_id": nid,
        "purpose": purpose.value,
        "channel": channel.value,
        "recipient_id": recipient_id,
        "target": target,
        "body": body,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": now,
        "claimed_by": None,
        "claim_until": None,
        "last_error": None,
        "history": [],
        "insight_ids": refs.pop("insight_ids", []),
        "initiative_id": refs.pop("initiative_id", None),
        **refs,
    }


async def add(uow: UnitOfWork, doc: dict[str, Any]) -> bool:
    """Record a delivery; the deterministic id makes a second recording of the same one a no-op."""
    result = await uow[DELIVERIES].update_one(
        {"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True, session=uow.session
    )
    return result.upserted_id is not None


async def claim(db, instance: str, now: datetime, claim_seconds: float) -> dict[str, Any] | None:
    """Take one due delivery for this replica, or one whose claimer died (its claim expired)."""
    update = {
        "$set": {
            "status": SENDING,
            "claimed_by": instance,
            "claim_until": now + timedelta(seconds=claim_seconds),
        }
    }
    # Two queries, each an equality on the (status, next_attempt_at) index's prefix: the local Mongo-wire
    # server scans the whole collection for an $or, and the dispatcher's workers poll this often.
    for query in (
        {"status": PENDING, "next_attempt_at": {"$lte": now}},
        {"status": SENDING, "claim_until": {"$lt": now}},
    ):
        doc = await db[DELIVERIES].find_one_and_update(
            query, update, sort=[("next_attempt_at", 1)], return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            return doc
    return None


def _mine(doc: dict[str, Any], instance: str) -> dict[str, Any]:
    # A replica whose claim expired meanwhile lost the delivery to another: it records nothing.
    return {"_id": doc["_id"], "status": SENDING, "claimed_by": instance}


def _history(now: datetime, outcome: str, detail: str) -> dict[str, Any]:
    return {
        "$push": {
            "history": {
                "$each": [{"at": now, "outcome": outcome, "detail": detail[:500]}],
                "$slice": -HISTORY_KEPT,
            }
        }
    }


async def mark_delivered(
    uow: UnitOfWork, doc: dict[str, Any], instance: str, attempts: int, now: datetime
) -> bool:
    result = await uow[DELIVERIES].update_one(
        _mine(doc, instance),
        {
            "$set": {"status": DELIVERED, "attempts": attempts, "delivered_at": now, "claim_until": None},
            **_history(now, "delivered", ""),
        },
        session=uow.session,
    )
    return result.modified_count == 1


async def mark_retry(
    uow: UnitOfWork,
    doc: dict[str, Any],
    instance: str,
    attempts: int,
    next_at: datetime,
    error: str,
    now: datetime,
) -> bool:
    result = await uow[DELIVERIES].update_one(
        _mine(doc, instance),
        {
            "$set": {
                "status": PENDING,
                "attempts": attempts,
                "next_attempt_at": next_at,
                "last_error": error,
                "claim_until": None,
            },
            **_history(now, "retry", error),
        },
        session=uow.session,
    )
    return result.modified_count == 1


async def mark_failed(
    uow: UnitOfWork,
    doc: dict[str, Any],
    instance: str,
    attempts: int,
    error: str,
    now: datetime,
    dead_letter: dict[str, Any],
) -> bool:
    result = await uow[DELIVERIES].update_one(
        _mine(doc, instance),
        {
            "$set": {
                "status": FAILED,
                "attempts": attempts,
                "failed_at": now,
                "last_error": error,
                "claim_until": None,
                "dead_letter": {**dead_letter, "published": False},
            },
            **_history(now, "failed", error),
        },
        session=uow.session,
    )
    return result.modified_count == 1


async def next_dead_letter_sequence(uow: UnitOfWork) -> int:
    """A sequence of the dispatcher's own dead letters: their JetStream de-duplication id."""
    counter = await uow[COUNTERS].find_one_and_update(
        {"_id": "dead_letters"},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=uow.session,
    )
    return counter["value"]


async def unpublished_dead_letters(db: AsyncDatabase, limit: int = 50) -> list[dict[str, Any]]:
    return (
        await db[DELIVERIES]
        .find({"dead_letter.published": False}, {"dead_letter": 1, "purpose": 1, "feedback_ids": 1})
        .limit(limit)
        .to_list(None)
    )


async def dead_letter_published(db: AsyncDatabase, delivery_id: str) -> None:
    await db[DELIVERIES].update_one({"_id": delivery_id}, {"$set": {"dead_letter.published": True}})


async def take_slot(
    uow: UnitOfWork, recipient_id: str, channel: str, window_start: datetime, window: timedelta
) -> int:
    """Count one immediate notification in the recipient's throttle window; returns how many came before.

    One counter document per recipient, channel and window: two transactions counting at once write the
    same document, so one of them is retried and sees the other's count (no race past the limit)."""
    counter = await uow[THROTTLE].find_one_and_update(
        {"_id": f"{recipient_id}:{channel}:{window_start.isoformat()}"},
        {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": window_start + 2 * window}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=uow.session,
    )
    return counter["count"] - 1


async def slots_taken(uow: UnitOfWork, recipient_id: str, channel: str, window_start: datetime) -> int:
    counter = await uow[THROTTLE].find_one(
        {"_id": f"{recipient_id}:{channel}:{window_start.isoformat()}"}, session=uow.session
    )
    return counter["count"] if counter else 0


async def requeue(uow: UnitOfWork, delivery_id: str, now: datetime) -> bool:
    result = await uow[DELIVERIES].update_one(
        {"_id": delivery_id, "status": FAILED},
        {
            "$set": {"status": PENDING, "attempts": 0, "next_attempt_at": now, "last_error": None},
            "$unset": {"dead_letter": ""},
            **_history(now, "requeued", ""),
        },
        session=uow.session,
    )
    return result.modified_count == 1


async def redact_feedback(uow: UnitOfWork, feedback_ids: list[str], now: datetime) -> None:
    """Erased feedback: loop-closure messages already settled no longer keep the customer's words."""
    await uow[DELIVERIES].update_many(
        {
            "purpose": "loop_closure",
            "feedback_ids": {"$in": feedback_ids},
            "status": {"$in": [DELIVERED, FAILED]},
        },
        {"$set": {"body": {"subject": "(erased)", "text": "(erased on request)"}, "erased_at": now}},
        session=uow.session,
    )


async def forget_recipients(uow: UnitOfWork, feedback_ids: list[str]) -> None:
    """Settled loop-closure messages about erased feedback only: the reporter's address goes too (a
    message that also told them about feedback not erased keeps it), with any dead letter not yet out."""
    docs = (
        await uow[DELIVERIES]
        .find(
            {
                "purpose": "loop_closure",
                "feedback_ids": {"$in": feedback_ids},
                "status": {"$in": [DELIVERED, FAILED]},
            },
            {"feedback_ids": 1},
            session=uow.session,
        )
        .to_list(None)
    )
    others = sorted({fid for doc in docs for fid in doc["feedback_ids"]} - set(feedback_ids))
    erased = (
        await uow[REPORTERS]
        .find({"_id": {"$in": others}, "erased": True}, {"_id": 1}, session=uow.session)
        .to_list(None)
    )
    gone = set(feedback_ids) | {doc["_id"] for doc in erased}
    ids = [doc["_id"] for doc in docs if set(doc["feedback_ids"]) <= gone]
    if ids:
        await uow[DELIVERIES].update_many(
            {"_id": {"$in": ids}},
            {"$set": {"recipient_id": "erased", "target": {}}, "$unset": {"dead_letter": ""}},
            session=uow.session,
        )


async def listed(
    uow: UnitOfWork, filters: dict[str, str | None], limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of deliveries, newest first; ``filters`` are equalities on :data:`FILTERS` (None: any)."""
    query = {name: value for name, value in filters.items() if name in FILTERS and value is not None}
    return await page(uow[DELIVERIES], query, sort=("created_at", -1), limit=limit, cursor=cursor)


async def get(uow: UnitOfWork, delivery_id: str) -> dict[str, Any] | None:
    return await uow[DELIVERIES].find_one({"_id": delivery_id}, session=uow.session)


async def pending_count(db: AsyncDatabase) -> int:
    return await db[DELIVERIES].count_documents({"status": {"$in": [PENDING, SENDING]}})
