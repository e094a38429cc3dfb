"""The only package that speaks MongoDB: the console's own database (people, sessions, sign-in failures)."""

import asyncio

from pymongo.asynchronous.database import AsyncDatabase
from terrain_kit.mongo import Index, asc

Database = AsyncDatabase  # what the rest of the console names, without speaking MongoDB itself

USERS = "users"
SESSIONS = "sessions"
FAILURES = "sign_in_failures"

INDEXES = (
    Index(USERS, asc("email"), unique=True),
    Index(SESSIONS, asc("expires_at"), ttl_seconds=0),
    Index(SESSIONS, asc("user_id")),
    Index(FAILURES, asc("key", "at")),
    Index(FAILURES, asc("at"), ttl_seconds=24 * 3600),
)


async def ping(db: Database) -> None:
    """Raises when the database does not answer within 2 s (readiness)."""
    async with asyncio.timeout(2.0):
        await db.client.admin.command("ping")
