"""What the KPIs read and the two projections they need (classified feedback, loops closed).

Every read is one indexed query for a set of ids or one quarter; writes are one bulk write per batch.
"""

from datetime import datetime
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from terrain_kit.uow import UnitOfWork

from . import AREAS, BALLOTS, CLASSIFIED, DISMISSALS, HISTORY, LINKS, LOOPS, VOTES


async def area_owners(uow: UnitOfWork, areas: list[str]) -> dict[str, str]:
    docs = await uow[AREAS].find({"_id": {"$in": areas}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc["team_id"] for doc in docs}


async def classified(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, dict[str, Any]]:
    docs = await uow[CLASSIFIED].find({"_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc for doc in docs}


async def store_classified(uow: UnitOfWork, docs: list[dict[str, Any]]) -> None:
    if docs:
        await uow[CLASSIFIED].bulk_write(
            [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs], session=uow.session
        )


async def store_loops(uow: UnitOfWork, loops: list[dict[str, Any]]) -> None:
    """Idempotent: a redelivered loop_closed finds its document and changes nothing."""
    if loops:
        await uow[LOOPS].bulk_write(
            [UpdateOne({"_id": loop["_id"]}, {"$setOnInsert": loop}, upsert=True) for loop in loops],
            session=uow.session,
        )


async def reached(uow: UnitOfWork, quarter: str, team_id: str | None) -> list[dict[str, Any]]:
    """Items classified in ``quarter`` (under ``team_id`` when given)."""
    query: dict[str, Any] = {"quarter": quarter}
    if team_id is not None:
        query["team_id"] = team_id
    return await uow[CLASSIFIED].find(query, session=uow.session).to_list(None)


async def first_links(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, datetime]:
    """When each item was first linked, among its current links."""
    docs = await uow[LINKS].find({"feedback_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)
    return _earliest((doc["feedback_id"], doc["linked_at"]) for doc in docs)


async def first_dismissals(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, datetime]:
    query = {"feedback_id": {"$in": feedback_ids}}
    docs = await uow[DISMISSALS].find(query, session=uow.session).to_list(None)
    return _earliest((doc["feedback_id"], doc["dismissed_at"]) for doc in docs)


def _earliest(pairs: Any) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for key, at in pairs:
        if key not in found or at < found[key]:
            found[key] = at
    return found


async def links_of_initiatives(uow: UnitOfWork, initiative_ids: list[str]) -> list[tuple[str, str]]:
    query = {"initiative_id": {"$in": initiative_ids}}
    docs = (
        await uow[LINKS]
        .find(query, {"initiative_id": 1, "feedback_id": 1}, session=uow.session)
        .to_list(None)
    )
    return [(doc["initiative_id"], doc["feedback_id"]) for doc in docs]


async def loops_closed(uow: UnitOfWork, initiative_ids: list[str]) -> set[tuple[str, str]]:
    query = {"initiative_id": {"$in": initiative_ids}}
    docs = await uow[LOOPS].find(query, session=uow.session).to_list(None)
    return {(doc["initiative_id"], doc["feedback_id"]) for doc in docs}


async def briefing_history(
    uow: UnitOfWork, initiative_ids: list[str], until: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Created and edited entries up to ``until``, oldest first, per initiative."""
    query = {
        "initiative_id": {"$in": initiative_ids},
        "action": {"$in": ["created", "edited"]},
        "at": {"$lte": until},
    }
    docs = await uow[HISTORY].find(query, session=uow.session).sort([("at", 1), ("_id", 1)]).to_list(None)
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        found.setdefault(doc["initiative_id"], []).append(doc)
    return found


async def voters(uow: UnitOfWork, quarter: str) -> set[str]:
    """Directors who voted in at least one ballot of the quarter."""
    ballots = await uow[BALLOTS].find({"quarter": quarter}, {"_id": 1}, session=uow.session).to_list(None)
    if not ballots:
        return set()
    query = {"ballot_id": {"$in": [b["_id"] for b in ballots]}}
    docs = await uow[VOTES].find(query, {"director_id": 1}, session=uow.session).to_list(None)
    return {doc["director_id"] for doc in docs}
