"""Measurements of briefings' success metrics; the latest is kept on the initiative as ``metric_latest``."""

from datetime import datetime
from typing import Any

from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import INITIATIVES, MEASUREMENTS


def measurement_id(initiative_id: str, at: datetime) -> str:
    """One measurement per initiative and moment: a retried request finds the one it stored."""
    return f"{initiative_id}@{at.isoformat()}"


async def get(uow: UnitOfWork, initiative_id: str, at: datetime) -> dict[str, Any] | None:
    return await uow[MEASUREMENTS].find_one({"_id": measurement_id(initiative_id, at)}, session=uow.session)


async def insert(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[MEASUREMENTS].insert_one(doc, session=uow.session)


async def set_latest(uow: UnitOfWork, initiative_id: str, latest: dict[str, Any]) -> None:
    """A derived figure, like the evidence summary: not a new version of the briefing."""
    await uow[INITIATIVES].update_one(
        {"_id": initiative_id}, {"$set": {"metric_latest": latest}}, session=uow.session
    )


async def listing(
    uow: UnitOfWork, initiative_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    return await page(
        uow[MEASUREMENTS], {"initiative_id": initiative_id}, sort=("at", 1), limit=limit, cursor=cursor
    )
