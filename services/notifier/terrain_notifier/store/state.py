"""Situations (one per dedup_key), the in-app inbox, digest items and feedback loops."""

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from terrain_contracts.events.insight import InsightStatus, Severity

from ..domain.policies import Situation
from . import DIGEST_ITEMS, INBOX, LOOPS, SITUATIONS

# -- situations ------------------------------------------------------------------------------------


async def situation(uow, dedup_key: str) -> tuple[Situation | None, dict[str, Any] | None]:
    doc = await uow[SITUATIONS].find_one({"_id": dedup_key}, session=uow.session)
    if doc is None:
        return None, None
    notified = doc.get("notified_severity")
    return Situation(
        doc["insight_id"],
        doc["version"],
        InsightStatus(doc["status"]),
        Severity(notified) if notified else None,
    ), doc


async def save_situation(uow, dedup_key: str, fields: dict[str, Any], add_notified: list[str] = ()) -> None:
    update: dict[str, Any] = {"$set": fields}
    if add_notified:
        update["$addToSet"] = {"notified_members": {"$each": list(add_notified)}}
    await uow[SITUATIONS].update_one({"_id": dedup_key}, update, upsert=True, session=uow.session)


async def due_escalations(db, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    return (
        await db[SITUATIONS]
        .find({"escalation.due_at": {"$lte": now}, "status": "open", "acknowledged_at": None})
        .limit(limit)
        .to_list(None)
    )


async def advance_escalation(uow, dedup_key: str, level: int, nxt: dict[str, Any] | None) -> bool:
    """Move an escalation on, once: the level in the filter makes a concurrent second run a no-op."""
    result = await uow[SITUATIONS].update_one(
        {"_id": dedup_key, "escalation.level": level}, {"$set": {"escalation": nxt}}, session=uow.session
    )
    return result.modified_count == 1


async def acknowledge(uow, dedup_key: str, member_id: str, now: datetime) -> None:
    await uow[SITUATIONS].update_one(
        {"_id": dedup_key},
        {"$set": {"acknowledged_at": now, "acknowledged_by": member_id, "escalation": None}},
        session=uow.session,
    )


# -- inbox -------------------------------------------------------------------------------------------


async def add_inbox_item(uow, item: dict[str, Any]) -> bool:
    result = await uow[INBOX].update_one(
        {"_id": item["_id"]}, {"$setOnInsert": item}, upsert=True, session=uow.session
    )
    return result.upserted_id is not None


async def inbox_item(uow, member_id: str, item_id: str) -> dict[str, Any] | None:
    return await uow[INBOX].find_one({"_id": item_id, "member_id": member_id}, session=uow.session)


async def mark_inbox(uow, member_id: str, item_id: str, field: str, now: datetime) -> dict[str, Any] | None:
    """Set read_at / acknowledged_at once (the first time counts); None if the item is not theirs."""
    await uow[INBOX].update_one(
        {"_id": item_id, "member_id": member_id, field: None}, {"$set": {field: now}}, session=uow.session
    )
    return await inbox_item(uow, member_id, item_id)


# -- digests -------------------------------------------------------------------------------------------


async def add_digest_item(uow, item: dict[str, Any]) -> None:
    await uow[DIGEST_ITEMS].update_one(
        {"_id": item["_id"]}, {"$setOnInsert": item}, upsert=True, session=uow.session
    )


async def due_digest_groups(db, now: datetime) -> list[dict[str, Any]]:
    return await (
        await db[DIGEST_ITEMS].aggregate(
            [
                {"$match": {"status": "pending", "due_at": {"$lte": now}}},
                {"$group": {"_id": {"member_id": "$member_id", "channel": "$channel", "due_at": "$due_at"}}},
                {"$limit": 500},
            ]
        )
    ).to_list(None)


async def digest_items(uow, member_id: str, channel: str, due_at: datetime) -> list[dict[str, Any]]:
    return (
        await uow[DIGEST_ITEMS]
        .find(
            {"member_id": member_id, "channel": channel, "due_at": due_at, "status": "pending"},
            session=uow.session,
        )
        .sort("created_at", 1)
        .to_list(None)
    )


async def close_digest_items(uow, item_ids: list[str], delivery_id: str) -> None:
    await uow[DIGEST_ITEMS].update_many(
        {"_id": {"$in": item_ids}, "status": "pending"},
        {"$set": {"status": "sent", "delivery_id": delivery_id}},
        session=uow.session,
    )


# -- loops ---------------------------------------------------------------------------------------------


async def add_loops(uow, loops: list[dict[str, Any]]) -> set[str]:
    """Record loops once (a second shipped event changes nothing); returns the ids recorded now."""
    if not loops:
        return set()
    result = await uow[LOOPS].bulk_write(
        [UpdateOne({"_id": loop["_id"]}, {"$setOnInsert": loop}, upsert=True) for loop in loops],
        ordered=False,
        session=uow.session,
    )
    return set(result.upserted_ids.values())


async def settle_loops(
    uow, delivery_id: str, status: str, reason: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Settle the loops a loop-closure delivery carries; returns those settled now (not before)."""
    loops = (
        await uow[LOOPS]
        .find({"notification_id": delivery_id, "status": "pending"}, session=uow.session)
        .to_list(None)
    )
    if loops:
        await uow[LOOPS].update_many(
            {"_id": {"$in": [loop["_id"] for loop in loops]}},
            {"$set": {"status": status, "reason": reason, "settled_at": now}},
            session=uow.session,
        )
    return loops


async def loop_counts(db, group_by: str, team_id: str | None = None) -> list[dict[str, Any]]:
    """closed / not_closed / pending per ``group_by`` (owner_team_id or reporter_key)."""
    match = {"owner_team_id": team_id} if team_id else {}
    return await (
        await db[LOOPS].aggregate(
            [
                {"$match": match},
                {
                    "$group": {
                        "_id": f"${group_by}",
                        "closed": {"$sum": {"$cond": [{"$eq": ["$status", "closed"]}, 1, 0]}},
                        "not_closed": {"$sum": {"$cond": [{"$eq": ["$status", "not_closed"]}, 1, 0]}},
                        "pending": {"$sum": {"$cond": [{"$eq": ["$status", "pending"]}, 1, 0]}},
                    }
                },
                {"$sort": {"_id": 1}},
            ]
        )
    ).to_list(None)
