"""Examples learnt from corrections: the text of each item Product Ops filed under a theme by hand
(one per item; a new correction of the item replaces it), and a revision counter that replicas compare
to know when to rebuild their classifier."""

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from terrain_kit.uow import UnitOfWork

from . import LEARNED, LEARNING

REVISION = "revision"


async def revision(uow: UnitOfWork) -> int:
    doc = await uow[LEARNING].find_one({"_id": REVISION}, session=uow.session)
    return doc["n"] if doc else 0


async def _bump(uow: UnitOfWork) -> int:
    doc = await uow[LEARNING].find_one_and_update(
        {"_id": REVISION},
        {"$inc": {"n": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=uow.session,
    )
    return doc["n"]


async def examples(uow: UnitOfWork) -> dict[str, list[str]]:
    """Texts by theme, oldest correction first."""
    by_theme: dict[str, list[str]] = {}
    async for doc in uow[LEARNED].find({}, {"theme": 1, "text": 1}, session=uow.session).sort("at", 1):
        by_theme.setdefault(doc["theme"], []).append(doc["text"])
    return by_theme


async def learn(uow: UnitOfWork, feedback_id: str, theme: str, text: str, by: str, at: datetime) -> int:
    await uow[LEARNED].replace_one(
        {"_id": feedback_id},
        {"_id": feedback_id, "theme": theme, "text": text, "by": by, "at": at},
        upsert=True,
        session=uow.session,
    )
    return await _bump(uow)


async def forget(uow: UnitOfWork, ids: list[str]) -> int | None:
    """Drop the examples of ``ids`` (corrected to "no theme", or erased); the new revision if any went."""
    result = await uow[LEARNED].delete_many({"_id": {"$in": ids}}, session=uow.session)
    return await _bump(uow) if result.deleted_count else None


async def of_item(uow: UnitOfWork, feedback_id: str) -> dict[str, Any] | None:
    return await uow[LEARNED].find_one({"_id": feedback_id}, session=uow.session)
