"""Teams (who owns which product area) and initiatives (what they cover, their evidence), from events."""

from datetime import datetime
from typing import Any

from terrain_kit.uow import UnitOfWork

from ..domain.detectors import ACTIVE_STATUSES
from . import INITIATIVES, LINKS, TEAMS


async def apply_team(uow: UnitOfWork, team_id: str, version: int, fields: dict[str, Any]) -> bool:
    """Store the team's state if ``version`` is newer than what is held; False for a stale event."""
    current = await uow[TEAMS].find_one({"_id": team_id}, {"version": 1}, session=uow.session)
    if current is not None and current["version"] >= version:
        return False
    await uow[TEAMS].replace_one(
        {"_id": team_id}, {"_id": team_id, "version": version, **fields}, upsert=True, session=uow.session
    )
    return True


async def owners(uow: UnitOfWork) -> dict[str, str]:
    """Product area -> owning team id."""
    found: dict[str, str] = {}
    async for team in (
        uow[TEAMS].find({"deleted": {"$ne": True}}, {"areas": 1}, session=uow.session).sort("_id", 1)
    ):
        for area in team.get("areas", []):
            found.setdefault(area, team["_id"])
    return found


async def owner_of(uow: UnitOfWork, area: str | None) -> str | None:
    if area is None:
        return None
    team = await uow[TEAMS].find_one(
        {"areas": area, "deleted": {"$ne": True}}, {"_id": 1}, sort=[("_id", 1)], session=uow.session
    )
    return team["_id"] if team else None


async def get_initiative(uow: UnitOfWork, initiative_id: str) -> dict[str, Any] | None:
    return await uow[INITIATIVES].find_one({"_id": initiative_id}, session=uow.session)


async def apply_initiative(
    uow: UnitOfWork, briefing: dict[str, Any], seen_at: datetime
) -> dict[str, Any] | None:
    """Store the briefing if newer; returns the previous state (None if new), or False-y skip via version."""
    current = await get_initiative(uow, briefing["initiative_id"])
    if current is not None and current["version"] >= briefing["version"]:
        return current | {"stale": True}
    active_since = (current or {}).get("active_since")
    if briefing["status"] in ACTIVE_STATUSES and not active_since:
        active_since = seen_at
    elif briefing["status"] not in ACTIVE_STATUSES:
        active_since = None
    shipped_at = (current or {}).get("shipped_at") or (seen_at if briefing["status"] == "shipped" else None)
    await uow[INITIATIVES].replace_one(
        {"_id": briefing["initiative_id"]},
        {
            "_id": briefing["initiative_id"],
            **briefing,
            "active_since": active_since,
            "shipped_at": shipped_at,
        },
        upsert=True,
        session=uow.session,
    )
    return current


async def covering_initiatives(uow: UnitOfWork, shipped_since: datetime) -> list[dict[str, Any]]:
    """Initiatives whose themes are someone's work: committed, in progress, or shipped since ``shipped_since``
    (the demand of the window before it shipped is what it answered, not demand nobody owns)."""
    found = (
        await uow[INITIATIVES]
        .find({"status": {"$in": [*ACTIVE_STATUSES, "shipped"]}}, session=uow.session)
        .to_list(None)
    )
    return [
        i
        for i in found
        if i["status"] != "shipped" or (i.get("shipped_at") and i["shipped_at"] >= shipped_since)
    ]


async def active_initiatives(uow: UnitOfWork) -> list[dict[str, Any]]:
    return (
        await uow[INITIATIVES]
        .find({"status": {"$in": list(ACTIVE_STATUSES)}}, session=uow.session)
        .to_list(None)
    )


async def link(uow: UnitOfWork, initiative_id: str, feedback_id: str, at: datetime) -> None:
    await uow[LINKS].update_one(
        {"_id": f"{initiative_id}|{feedback_id}"},
        {"$set": {"initiative_id": initiative_id, "feedback_id": feedback_id, "linked_at": at}},
        upsert=True,
        session=uow.session,
    )


async def unlink(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> None:
    await uow[LINKS].delete_one({"_id": f"{initiative_id}|{feedback_id}"}, session=uow.session)


async def links_since(uow: UnitOfWork, initiative_id: str, since: datetime | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"initiative_id": initiative_id}
    if since is not None:
        query["linked_at"] = {"$gte": since}
    return await uow[LINKS].find(query, session=uow.session).sort("linked_at", -1).to_list(None)
