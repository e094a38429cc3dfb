"""Emerging-theme candidates: clusters of unassigned items, open until promoted into a theme."""

from datetime import datetime
from typing import Any

from terrain_kit.uow import UnitOfWork

from . import CANDIDATES


async def replace_open(uow: UnitOfWork, docs: list[dict[str, Any]]) -> None:
    """The open candidates become ``docs`` (promoted ones stay)."""
    await uow[CANDIDATES].delete_many({"status": "open"}, session=uow.session)
    if docs:
        await uow[CANDIDATES].insert_many(docs, session=uow.session)


async def get(uow: UnitOfWork, candidate_id: str) -> dict[str, Any] | None:
    return await uow[CANDIDATES].find_one({"_id": candidate_id}, session=uow.session)


async def listing(uow: UnitOfWork, status: str, limit: int) -> list[dict[str, Any]]:
    """Candidates of this status, largest first."""
    return (
        await uow[CANDIDATES]
        .find({"status": status}, session=uow.session)
        .sort([("size", -1), ("_id", 1)])
        .limit(limit)
        .to_list(None)
    )


async def promoted(uow: UnitOfWork, candidate_id: str, theme: str, version: int, at: datetime) -> None:
    await uow[CANDIDATES].update_one(
        {"_id": candidate_id},
        {"$set": {"status": "promoted", "theme": theme, "taxonomy_version": version, "promoted_at": at}},
        session=uow.session,
    )
