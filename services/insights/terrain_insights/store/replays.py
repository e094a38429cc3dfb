"""Replay jobs: the version applied, progress (cursor, counts per theme before and after), moved examples."""

from datetime import datetime
from typing import Any

from terrain_kit.uow import UnitOfWork

from . import REPLAYS

ONGOING = ["pending", "running"]


async def insert(uow: UnitOfWork, job: dict[str, Any]) -> None:
    await uow[REPLAYS].insert_one(job, session=uow.session)


async def get(uow: UnitOfWork, replay_id: str) -> dict[str, Any] | None:
    return await uow[REPLAYS].find_one({"_id": replay_id}, session=uow.session)


async def next_ongoing(uow: UnitOfWork) -> dict[str, Any] | None:
    """The oldest replay not finished."""
    return await uow[REPLAYS].find_one(
        {"status": {"$in": ONGOING}}, sort=[("requested_at", 1)], session=uow.session
    )


async def advance(
    uow: UnitOfWork, replay_id: str, inc: dict[str, int], cursor: str, examples: list[dict[str, Any]]
) -> None:
    """Count a chunk: increments, the cursor past it, and moved examples appended."""
    update: dict[str, Any] = {"$inc": inc, "$set": {"status": "running", "cursor": cursor}}
    if examples:
        update["$push"] = {"moved_examples": {"$each": examples}}
    await uow[REPLAYS].update_one({"_id": replay_id}, update, session=uow.session)


async def finish(uow: UnitOfWork, replay_id: str, at: datetime) -> None:
    await uow[REPLAYS].update_one(
        {"_id": replay_id, "status": {"$in": ONGOING}},
        {"$set": {"status": "done", "finished_at": at}},
        session=uow.session,
    )
