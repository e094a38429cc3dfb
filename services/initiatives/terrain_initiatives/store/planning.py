"""Planning cycles (one per quarter) and the directors' ballots."""

from datetime import datetime
from typing import Any

from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import BALLOTS, CYCLES, META, VOTES

# -- cycles --------------------------------------------------------------------------------------


async def get_cycle(uow: UnitOfWork, quarter: str) -> dict[str, Any] | None:
    return await uow[CYCLES].find_one({"_id": quarter}, session=uow.session)


async def insert_cycle(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[CYCLES].insert_one(doc, session=uow.session)


async def move_cycle(uow: UnitOfWork, quarter: str, current: str, target: str, entry: dict[str, Any]) -> bool:
    result = await uow[CYCLES].update_one(
        {"_id": quarter, "phase": current},
        {"$set": {"phase": target}, "$push": {"phases": entry}},
        session=uow.session,
    )
    return result.matched_count == 1


async def cycles(uow: UnitOfWork, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return await page(uow[CYCLES], {}, sort=("_id", -1), limit=limit, cursor=cursor)


# -- ballots -------------------------------------------------------------------------------------


async def insert_ballot(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[BALLOTS].insert_one(doc, session=uow.session)


async def get_ballot(uow: UnitOfWork, ballot_id: str) -> dict[str, Any] | None:
    return await uow[BALLOTS].find_one({"_id": ballot_id}, session=uow.session)


async def ballots(
    uow: UnitOfWork, quarter: str | None, state: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    query = {name: value for name, value in {"quarter": quarter, "state": state}.items() if value}
    return await page(uow[BALLOTS], query, sort=("opens_at", -1), limit=limit, cursor=cursor)


async def close_ballot(uow: UnitOfWork, ballot_id: str, fields: dict[str, Any]) -> bool:
    result = await uow[BALLOTS].update_one(
        {"_id": ballot_id, "state": "open"}, {"$set": {**fields, "state": "closed"}}, session=uow.session
    )
    return result.matched_count == 1


async def ended_ballots(uow: UnitOfWork, now: datetime) -> list[str]:
    docs = (
        await uow[BALLOTS]
        .find({"state": "open", "closes_at": {"$lte": now}}, {"_id": 1}, session=uow.session)
        .to_list(None)
    )
    return [doc["_id"] for doc in docs]


async def ballots_opened_unannounced(uow: UnitOfWork, now: datetime) -> list[dict[str, Any]]:
    # Ballots created before announcements existed have no announced_at: they opened long ago, unannounced.
    query = {"state": "open", "opens_at": {"$lte": now}, "announced_at": {"$exists": True, "$eq": None}}
    return await uow[BALLOTS].find(query, session=uow.session).to_list(None)


async def ballots_closing_unreminded(uow: UnitOfWork, before: datetime) -> list[dict[str, Any]]:
    query = {"state": "open", "closes_at": {"$lte": before}, "reminded_at": None}
    return await uow[BALLOTS].find(query, session=uow.session).to_list(None)


async def stamp_ballot(uow: UnitOfWork, ballot_id: str, name: str, at: datetime) -> bool:
    """Set ``name`` once on an open ballot: False when it was set already (another run announced it)."""
    result = await uow[BALLOTS].update_one(
        {"_id": ballot_id, "state": "open", name: None}, {"$set": {name: at}}, session=uow.session
    )
    return result.matched_count == 1


async def assign(uow: UnitOfWork, ballot_id: str, candidate_id: str, assignment: dict[str, Any]) -> None:
    await uow[BALLOTS].update_one(
        {"_id": ballot_id}, {"$set": {f"assignments.{candidate_id}": assignment}}, session=uow.session
    )


async def touch_open_ballot(uow: UnitOfWork, ballot_id: str, at: datetime) -> bool:
    """Write the ballot with each vote, so that a vote and a concurrent close conflict (one retries)
    instead of the close missing the vote; False when it closed meanwhile."""
    result = await uow[BALLOTS].update_one(
        {"_id": ballot_id, "state": "open"}, {"$set": {"last_vote_at": at}}, session=uow.session
    )
    return result.matched_count == 1


async def touch_cycle(uow: UnitOfWork, quarter: str, at: datetime) -> None:
    """Write the quarter's cycle (if any) with a change its phase allowed, so that a concurrent
    phase change conflicts with it instead of both committing."""
    await uow[CYCLES].update_one({"_id": quarter}, {"$set": {"touched_at": at}}, session=uow.session)


def vote_id(ballot_id: str, director_id: str, initiative_id: str) -> str:
    return f"{ballot_id}|{director_id}|{initiative_id}"


async def get_vote(
    uow: UnitOfWork, ballot_id: str, director_id: str, initiative_id: str
) -> dict[str, Any] | None:
    return await uow[VOTES].find_one(
        {"_id": vote_id(ballot_id, director_id, initiative_id)}, session=uow.session
    )


async def put_vote(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    # One document per (ballot, director, candidate): a director's second vote replaces the first.
    await uow[VOTES].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)


async def votes(uow: UnitOfWork, ballot_id: str, director_id: str | None = None) -> list[dict[str, Any]]:
    query = {"ballot_id": ballot_id} | ({"director_id": director_id} if director_id else {})
    return (
        await uow[VOTES]
        .find(query, session=uow.session)
        .sort([("director_id", 1), ("initiative_id", 1)])
        .to_list(None)
    )


async def voter_count(uow: UnitOfWork, ballot_id: str) -> int:
    return len(await uow[VOTES].distinct("director_id", {"ballot_id": ballot_id}, session=uow.session))


# -- settings fingerprints -----------------------------------------------------------------------


async def get_meta(uow: UnitOfWork, key: str) -> Any:
    doc = await uow[META].find_one({"_id": key}, session=uow.session)
    return doc["value"] if doc else None


async def set_meta(uow: UnitOfWork, key: str, value: Any) -> None:
    await uow[META].replace_one({"_id": key}, {"_id": key, "value": value}, upsert=True, session=uow.session)
