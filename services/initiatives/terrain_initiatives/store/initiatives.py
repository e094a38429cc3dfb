"""Initiative briefings, their derived figures (evidence, votes, priority) and their history."""

from datetime import datetime
from typing import Any

from bson import ObjectId
from terrain_contracts.events.initiative import Briefing
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import HISTORY, INITIATIVES


def briefing_of(doc: dict[str, Any]) -> Briefing:
    return Briefing.model_validate({name: doc[name] for name in Briefing.model_fields if name in doc})


async def get(uow: UnitOfWork, initiative_id: str) -> dict[str, Any] | None:
    return await uow[INITIATIVES].find_one({"_id": initiative_id}, session=uow.session)


async def by_ids(uow: UnitOfWork, ids: list[str]) -> dict[str, dict[str, Any]]:
    docs = await uow[INITIATIVES].find({"_id": {"$in": ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc for doc in docs}


async def insert(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[INITIATIVES].insert_one(doc, session=uow.session)


async def save(uow: UnitOfWork, initiative_id: str, version: int, fields: dict[str, Any]) -> bool:
    """Store version ``version`` if the stored one is still its predecessor (optimistic concurrency)."""
    result = await uow[INITIATIVES].update_one(
        {"_id": initiative_id, "version": version - 1},
        {"$set": {**fields, "version": version}},
        session=uow.session,
    )
    return result.matched_count == 1


async def set_derived(uow: UnitOfWork, initiative_id: str, fields: dict[str, Any]) -> None:
    """Figures derived from events (evidence, votes, priority): not part of the briefing's version."""
    await uow[INITIATIVES].update_one({"_id": initiative_id}, {"$set": fields}, session=uow.session)


async def touch(uow: UnitOfWork, initiative_id: str, at: datetime) -> None:
    """Write the initiative with a change of its dependencies, so that a concurrent move to
    aligned (which reads them) conflicts with it instead of both committing."""
    await set_derived(uow, initiative_id, {"dependencies_changed_at": at})


async def in_quarter(uow: UnitOfWork, quarter: str) -> list[dict[str, Any]]:
    return (
        await uow[INITIATIVES]
        .find({"quarter": quarter}, session=uow.session)
        .sort([("priority", -1), ("_id", 1)])
        .to_list(None)
    )


async def active_count(uow: UnitOfWork, team_id: str) -> int:
    return await uow[INITIATIVES].count_documents(
        {"owner_team_id": team_id, "status": {"$nin": ["shipped", "dropped"]}}, session=uow.session
    )


async def all_for_scoring(uow: UnitOfWork) -> list[dict[str, Any]]:
    return (
        await uow[INITIATIVES]
        .find({}, {"evidence": 1, "vote_average": 1, "size": 1}, session=uow.session)
        .to_list(None)
    )


SORTS = {"priority": ("priority", -1), "created": ("created_at", -1), "updated": ("updated_at", -1)}


async def listing(
    uow: UnitOfWork, filters: dict[str, Any], sort: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    query = {name: value for name, value in filters.items() if value is not None}
    if "theme" in query:
        query["themes"] = query.pop("theme")
    return await page(uow[INITIATIVES], query, sort=SORTS[sort], limit=limit, cursor=cursor)


async def record(
    uow: UnitOfWork,
    initiative_id: str,
    version: int,
    at: datetime,
    by: str,
    action: str,
    changes: dict[str, Any],
) -> None:
    """One history entry: who, when, what changed."""
    await uow[HISTORY].insert_one(
        {
            "_id": ObjectId(),
            "initiative_id": initiative_id,
            "version": version,
            "at": at,
            "by": by,
            "action": action,
            "changes": changes,
        },
        session=uow.session,
    )


async def history(
    uow: UnitOfWork, initiative_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    return await page(
        uow[HISTORY], {"initiative_id": initiative_id}, sort=("at", 1), limit=limit, cursor=cursor
    )
