"""Dependency requests between initiatives and teams."""

from datetime import date, datetime
from typing import Any

from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from ..domain.dependencies import BINDING, DependencyState
from . import DEPENDENCIES, META


def _as_day(value: date) -> str:
    return value.isoformat()  # ISO days sort and compare as strings


async def insert(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[DEPENDENCIES].insert_one({**doc, "answer_by": _as_day(doc["answer_by"])}, session=uow.session)


def _parsed(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "answer_by": date.fromisoformat(doc["answer_by"])}


async def get(uow: UnitOfWork, dependency_id: str) -> dict[str, Any] | None:
    doc = await uow[DEPENDENCIES].find_one({"_id": dependency_id}, session=uow.session)
    return _parsed(doc) if doc else None


async def update(uow: UnitOfWork, dependency_id: str, expected_state: str, fields: dict[str, Any]) -> bool:
    result = await uow[DEPENDENCIES].update_one(
        {"_id": dependency_id, "state": expected_state}, {"$set": fields}, session=uow.session
    )
    return result.matched_count == 1


async def of_initiative(uow: UnitOfWork, initiative_id: str) -> list[dict[str, Any]]:
    docs = (
        await uow[DEPENDENCIES]
        .find({"initiative_id": initiative_id}, session=uow.session)
        .sort("requested_at", 1)
        .to_list(None)
    )
    return [_parsed(doc) for doc in docs]


async def of_initiatives(uow: UnitOfWork, ids: list[str]) -> list[dict[str, Any]]:
    query = {"$or": [{"initiative_id": {"$in": ids}}, {"on_initiative_id": {"$in": ids}}]}
    docs = await uow[DEPENDENCIES].find(query, session=uow.session).sort("requested_at", 1).to_list(None)
    return [_parsed(doc) for doc in docs]


async def similar(
    uow: UnitOfWork, initiative_id: str, on_team_id: str, on_initiative_id: str | None
) -> dict[str, Any] | None:
    doc = await uow[DEPENDENCIES].find_one(
        {
            "initiative_id": initiative_id,
            "on_team_id": on_team_id,
            "on_initiative_id": on_initiative_id,
            "state": {"$in": [s.value for s in BINDING]},
        },
        session=uow.session,
    )
    return _parsed(doc) if doc else None


async def binding_edges(uow: UnitOfWork) -> dict[str, set[str]]:
    """initiative -> initiatives it depends on, over requests not declined or withdrawn.

    Reading the graph writes its guard document: two requests checked against the same
    graph would otherwise each miss the other and could close a cycle together.
    """
    await uow[META].update_one(
        {"_id": "dependency_graph"}, {"$inc": {"value": 1}}, upsert=True, session=uow.session
    )
    docs = (
        await uow[DEPENDENCIES]
        .find(
            {"on_initiative_id": {"$ne": None}, "state": {"$in": [s.value for s in BINDING]}},
            {"initiative_id": 1, "on_initiative_id": 1},
            session=uow.session,
        )
        .to_list(None)
    )
    edges: dict[str, set[str]] = {}
    for doc in docs:
        edges.setdefault(doc["initiative_id"], set()).add(doc["on_initiative_id"])
    return edges


async def listing(
    uow: UnitOfWork, filters: dict[str, Any], today: date, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    query: dict[str, Any] = {
        name: value for name, value in filters.items() if value is not None and name != "overdue"
    }
    if filters.get("overdue"):
        query["state"] = DependencyState.open.value
        query["answer_by"] = {"$lt": _as_day(today)}
    docs, next_cursor = await page(
        uow[DEPENDENCIES], query, sort=("requested_at", -1), limit=limit, cursor=cursor
    )
    return [_parsed(doc) for doc in docs], next_cursor


async def overdue_unflagged(
    uow: UnitOfWork, today: date, flag: str, answer_before: date
) -> list[dict[str, Any]]:
    """Open requests whose answer-by day is before ``answer_before`` and whose ``flag`` is not set."""
    query = {"state": DependencyState.open.value, "answer_by": {"$lt": _as_day(answer_before)}, flag: None}
    docs = await uow[DEPENDENCIES].find(query, session=uow.session).sort("_id", 1).to_list(None)
    return [_parsed(doc) for doc in docs]


async def stamp(uow: UnitOfWork, dependency_id: str, flag: str, at: datetime) -> bool:
    """Set ``flag`` once on an open request: False when set already or answered meanwhile."""
    result = await uow[DEPENDENCIES].update_one(
        {"_id": dependency_id, "state": DependencyState.open.value, flag: None},
        {"$set": {flag: at}},
        session=uow.session,
    )
    return result.matched_count == 1


async def open_counts_by_team(uow: UnitOfWork) -> dict[str, int]:
    docs = (
        await uow[DEPENDENCIES]
        .find({"state": DependencyState.open.value}, {"on_team_id": 1}, session=uow.session)
        .to_list(None)
    )
    counts: dict[str, int] = {}
    for doc in docs:
        counts[doc["on_team_id"]] = counts.get(doc["on_team_id"], 0) + 1
    return dict(sorted(counts.items()))


async def count_overdue(uow: UnitOfWork, today: date) -> int:
    return await uow[DEPENDENCIES].count_documents(
        {"state": DependencyState.open.value, "answer_by": {"$lt": _as_day(today)}}, session=uow.session
    )


async def open_on_team(uow: UnitOfWork, team_id: str) -> list[str]:
    docs = (
        await uow[DEPENDENCIES]
        .find({"on_team_id": team_id, "state": DependencyState.open.value}, {"_id": 1}, session=uow.session)
        .to_list(None)
    )
    return [doc["_id"] for doc in docs]
