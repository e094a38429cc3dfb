"""Situations (one per dedup_key), the in-app inbox, digest items and feedback loops."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts.events.insight import Insight, InsightStatus, Severity
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from ..domain.policies import Situation
from ..domain.topics import Topic
from . import DIGEST_ITEMS, INBOX, LOOPS, SITUATIONS

# -- situations ------------------------------------------------------------------------------------


async def situation(uow: UnitOfWork, dedup_key: str) -> tuple[Situation | None, dict[str, Any] | None]:
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


async def save_situation(
    uow: UnitOfWork, dedup_key: str, fields: dict[str, Any], add_notified: Sequence[str] = ()
) -> None:
    update: dict[str, Any] = {"$set": fields}
    if add_notified:
        update["$addToSet"] = {"notified_members": {"$each": list(add_notified)}}
    await uow[SITUATIONS].update_one({"_id": dedup_key}, update, upsert=True, session=uow.session)


def situation_fields(insight: Insight, now: datetime) -> dict[str, Any]:
    """What a situation keeps of the latest insight under its dedup_key."""
    return {
        "insight_id": insight.insight_id,
        "version": insight.version,
        "status": insight.status.value,
        "insight": insight.model_dump(mode="json"),
        "updated_at": now,
    }


def notified_fields(
    insight: Insight, now: datetime, escalation: dict[str, Any] | None, decision: str
) -> dict[str, Any]:
    """What a situation keeps once notified: the severity (de-duplication) and its escalation."""
    return {
        "notified_severity": insight.severity.value,
        "notified_at": now,
        "escalation": escalation,
        "acknowledged_at": None,
        "decision": decision,
    }


async def due_escalations(db: AsyncDatabase, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    return (
        await db[SITUATIONS]
        .find({"escalation.due_at": {"$lte": now}, "status": "open", "acknowledged_at": None})
        .limit(limit)
        .to_list(None)
    )


async def advance_escalation(uow: UnitOfWork, dedup_key: str, level: int, nxt: dict[str, Any] | None) -> bool:
    """Move an escalation on, once: the level in the filter makes a concurrent second run a no-op."""
    result = await uow[SITUATIONS].update_one(
        {"_id": dedup_key, "escalation.level": level}, {"$set": {"escalation": nxt}}, session=uow.session
    )
    return result.modified_count == 1


async def acknowledge(uow: UnitOfWork, dedup_key: str, member_id: str, now: datetime) -> None:
    await uow[SITUATIONS].update_one(
        {"_id": dedup_key},
        {"$set": {"acknowledged_at": now, "acknowledged_by": member_id, "escalation": None}},
        session=uow.session,
    )


# -- inbox -------------------------------------------------------------------------------------------


def inbox_item(
    nid: str,
    member_id: str,
    topic: Topic,
    purpose: str,
    body: dict[str, Any],
    reasons: list[str],
    now: datetime,
) -> dict[str, Any]:
    return {
        "_id": nid,
        "member_id": member_id,
        "purpose": purpose,
        "insight_id": topic.insight_id,
        "ritual": topic.ritual,
        "dedup_key": topic.key,
        "severity": topic.severity.value,
        "kind": topic.kind,
        "subject": body["subject"],
        "text": body["text"],
        "reasons": reasons,
        "created_at": now,
        "read_at": None,
        "acknowledged_at": None,
    }


async def add_inbox_item(uow: UnitOfWork, item: dict[str, Any]) -> bool:
    result = await uow[INBOX].update_one(
        {"_id": item["_id"]}, {"$setOnInsert": item}, upsert=True, session=uow.session
    )
    return result.upserted_id is not None


async def inbox_page(
    uow: UnitOfWork, member_id: str, unread: bool, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A member's inbox, newest first; ``unread``: only the items not read yet."""
    query: dict[str, Any] = {"member_id": member_id}
    if unread:
        query["read_at"] = None
    return await page(uow[INBOX], query, sort=("created_at", -1), limit=limit, cursor=cursor)


async def held_inbox_item(uow: UnitOfWork, member_id: str, item_id: str) -> dict[str, Any] | None:
    return await uow[INBOX].find_one({"_id": item_id, "member_id": member_id}, session=uow.session)


async def mark_inbox(
    uow: UnitOfWork, member_id: str, item_id: str, field: str, now: datetime
) -> dict[str, Any] | None:
    """Set read_at / acknowledged_at once (the first time counts); None if the item is not theirs."""
    await uow[INBOX].update_one(
        {"_id": item_id, "member_id": member_id, field: None}, {"$set": {field: now}}, session=uow.session
    )
    return await held_inbox_item(uow, member_id, item_id)


# -- digests -------------------------------------------------------------------------------------------


def digest_item(
    nid: str,
    member_id: str,
    channel: str,
    target: dict[str, Any] | None,
    due_at: datetime | None,
    topic: Topic,
    reasons: list[str],
    now: datetime,
) -> dict[str, Any]:
    """One topic kept for a member's digest on one channel, with what the digest will say of it."""
    return {
        "_id": nid,
        "member_id": member_id,
        "channel": channel,
        "target": target,
        "due_at": due_at,
        "status": "pending",
        "created_at": now,
        "insight_id": topic.insight_id,
        "summary": topic.digest_summary(reasons),
    }


async def add_digest_item(uow: UnitOfWork, item: dict[str, Any]) -> None:
    await uow[DIGEST_ITEMS].update_one(
        {"_id": item["_id"]}, {"$setOnInsert": item}, upsert=True, session=uow.session
    )


async def due_digest_groups(db: AsyncDatabase, now: datetime) -> list[dict[str, Any]]:
    return await (
        await db[DIGEST_ITEMS].aggregate(
            [
                {"$match": {"status": "pending", "due_at": {"$lte": now}}},
                {"$group": {"_id": {"member_id": "$member_id", "channel": "$channel", "due_at": "$due_at"}}},
                {"$limit": 500},
            ]
        )
    ).to_list(None)


async def digest_items(
    uow: UnitOfWork, member_id: str, channel: str, due_at: datetime
) -> list[dict[str, Any]]:
    return (
        await uow[DIGEST_ITEMS]
        .find(
            {"member_id": member_id, "channel": channel, "due_at": due_at, "status": "pending"},
            session=uow.session,
        )
        .sort("created_at", 1)
        .to_list(None)
    )


async def close_digest_items(uow: UnitOfWork, item_ids: list[str], delivery_id: str) -> None:
    await uow[DIGEST_ITEMS].update_many(
        {"_id": {"$in": item_ids}, "status": "pending"},
        {"$set": {"status": "sent", "delivery_id": delivery_id}},
        session=uow.session,
    )


# -- loops ---------------------------------------------------------------------------------------------


async def add_loops(uow: UnitOfWork, loops: list[dict[str, Any]]) -> set[str]:
    """Record loops once (a second shipped event changes nothing); returns the ids recorded now."""
    if not loops:
        return set()
    # $setOnInsert: a concurrent transaction recording the same loops conflicts and is retried whole.
    result = await uow[LOOPS].bulk_write(
        [UpdateOne({"_id": loop["_id"]}, {"$setOnInsert": loop}, upsert=True) for loop in loops],
        ordered=False,
        session=uow.session,
    )
    return set(result.upserted_ids.values())


async def settle_loops(
    uow: UnitOfWork, delivery_id: str, status: str, reason: str | None, now: datetime
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


async def erase_loops(uow: UnitOfWork, feedback_ids: list[str]) -> None:
    """Erased feedback: its loops keep their team and outcome (the team's rate), not who reported it."""
    await uow[LOOPS].update_many(
        {"feedback_id": {"$in": feedback_ids}},
        {"$set": {"reporter_key": "erased", "reporter_email": None}},
        session=uow.session,
    )


async def loop_counts(uow: UnitOfWork, group_by: str, team_id: str | None = None) -> list[dict[str, Any]]:
    """closed / not_closed / pending per ``group_by`` (owner_team_id or reporter_key)."""
    match = {"owner_team_id": team_id} if team_id else {}
    return await (
        await uow[LOOPS].aggregate(
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
            ],
            session=uow.session,
        )
    ).to_list(None)
