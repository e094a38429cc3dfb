"""People who sign in to the console: email, name, role, member id and the argon2 hash of the password."""

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from . import FAILURES, SESSIONS, USERS


async def by_email(db: AsyncDatabase, email: str) -> dict[str, Any] | None:
    return await db[USERS].find_one({"email": email})


async def by_id(db: AsyncDatabase, user_id: str) -> dict[str, Any] | None:
    return await db[USERS].find_one({"_id": user_id})


async def upsert(db: AsyncDatabase, user: dict[str, Any]) -> None:
    """Create the person, or bring name, role, member and hash up to date (idempotent)."""
    fields = {k: v for k, v in user.items() if k != "_id"}
    await db[USERS].update_one({"_id": user["_id"]}, {"$set": fields}, upsert=True)


async def set_hash(db: AsyncDatabase, user_id: str, password_hash: str) -> None:
    await db[USERS].update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})


async def failures_since(db: AsyncDatabase, key: str, since: datetime) -> int:
    return await db[FAILURES].count_documents({"key": key, "at": {"$gte": since}})


async def record_failure(db: AsyncDatabase, keys: list[str], at: datetime) -> None:
    await db[FAILURES].insert_many([{"key": key, "at": at} for key in keys])


async def forget_failures(db: AsyncDatabase, key: str) -> None:
    await db[FAILURES].delete_many({"key": key})


async def create_session(
    db: AsyncDatabase, session_id: str, user_id: str, csrf: str, expires_at: datetime
) -> None:
    await db[SESSIONS].insert_one(
        {"_id": session_id, "user_id": user_id, "csrf": csrf, "expires_at": expires_at}
    )


async def session(db: AsyncDatabase, session_id: str, now: datetime) -> dict[str, Any] | None:
    """A live session (the TTL index removes expired ones within a minute; the time is checked here too)."""
    return await db[SESSIONS].find_one({"_id": session_id, "expires_at": {"$gt": now}})


async def end_session(db: AsyncDatabase, session_id: str) -> None:
    await db[SESSIONS].delete_one({"_id": session_id})


def window_start(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
