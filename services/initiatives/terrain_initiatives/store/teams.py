"""Teams and product-area ownership."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.team import TeamState
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import AREAS, TEAMS


def state_of(doc: dict[str, Any]) -> TeamState:
    return TeamState.model_validate({name: doc[name] for name in TeamState.model_fields if name in doc})


async def get(uow: UnitOfWork, team_id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
    query: dict[str, Any] = {"_id": team_id}
    if not include_deleted:
        query["deleted"] = False
    return await uow[TEAMS].find_one(query, session=uow.session)


async def get_state(uow: UnitOfWork, team_id: str) -> TeamState | None:
    doc = await get(uow, team_id)
    return state_of(doc) if doc else None


async def states(uow: UnitOfWork, team_ids: list[str] | None = None) -> dict[str, TeamState]:
    """Live teams, all of them or those named."""
    query: dict[str, Any] = {"deleted": False}
    if team_ids is not None:
        query["_id"] = {"$in": team_ids}
    docs = await uow[TEAMS].find(query, session=uow.session).sort("_id", 1).to_list(None)
    return {doc["_id"]: state_of(doc) for doc in docs}


async def insert(uow: UnitOfWork, state: TeamState, now: datetime, by: str) -> None:
    await uow[TEAMS].insert_one(
        {
            "_id": state.team_id,
            **state.model_dump(mode="json"),
            "deleted": False,
            "created_at": now,
            "created_by": by,
            "updated_at": now,
        },
        session=uow.session,
    )


async def save(uow: UnitOfWork, state: TeamState, now: datetime) -> bool:
    """Store the next state if nobody stored another one since its predecessor."""
    result = await uow[TEAMS].update_one(
        {"_id": state.team_id, "version": state.version - 1, "deleted": False},
        {"$set": {**state.model_dump(mode="json"), "updated_at": now}},
        session=uow.session,
    )
    return result.matched_count == 1


async def mark_deleted(uow: UnitOfWork, team_id: str, version: int, now: datetime) -> bool:
    result = await uow[TEAMS].update_one(
        {"_id": team_id, "version": version - 1, "deleted": False},
        {"$set": {"deleted": True, "version": version, "deleted_at": now, "updated_at": now}},
        session=uow.session,
    )
    return result.matched_count == 1


async def touch(uow: UnitOfWork, team_id: str, at: datetime) -> None:
    """Write the team with a change that relies on it existing (a new briefing, a request to it),
    so that a concurrent deletion conflicts with it instead of both committing."""
    await uow[TEAMS].update_one(
        {"_id": team_id, "deleted": False}, {"$set": {"touched_at": at}}, session=uow.session
    )


async def children(uow: UnitOfWork, team_id: str) -> list[str]:
    docs = (
        await uow[TEAMS]
        .find({"parent_team_id": team_id, "deleted": False}, {"_id": 1}, session=uow.session)
        .to_list(None)
    )
    return [doc["_id"] for doc in docs]


async def listing(
    uow: UnitOfWork,
    *,
    kind: str | None,
    parent_team_id: str | None,
    member_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TeamState], str | None]:
    query: dict[str, Any] = {"deleted": False}
    if kind:
        query["kind"] = kind
    if parent_team_id:
        query["parent_team_id"] = parent_team_id
    if member_id:
        query["members.member_id"] = member_id
    docs, next_cursor = await page(uow[TEAMS], query, sort=("_id", 1), limit=limit, cursor=cursor)
    return [state_of(doc) for doc in docs], next_cursor


async def area_owner(uow: UnitOfWork, area: str) -> str | None:
    doc = await uow[AREAS].find_one({"_id": area}, session=uow.session)
    return doc["team_id"] if doc else None


async def set_area_owner(uow: UnitOfWork, area: str, team_id: str) -> None:
    # _id is the area: concurrent assignments conflict on it, and the retried one sees the owner.
    await uow[AREAS].replace_one(
        {"_id": area}, {"_id": area, "team_id": team_id}, upsert=True, session=uow.session
    )


async def release_area(uow: UnitOfWork, area: str) -> None:
    await uow[AREAS].delete_one({"_id": area}, session=uow.session)


async def areas(uow: UnitOfWork) -> list[dict[str, Any]]:
    return await uow[AREAS].find({}, session=uow.session).sort("_id", 1).to_list(None)
