"""Feedback links, the feedback and insight projections they are scored and suggested from."""

from datetime import datetime
from typing import Any

from pymongo import ReplaceOne
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from ..domain.evidence import LinkedItem
from . import DISMISSALS, ERASED, FEEDBACK, INSIGHTS, LINKS


def link_id(initiative_id: str, feedback_id: str) -> str:
    return f"{initiative_id}|{feedback_id}"


# -- links ---------------------------------------------------------------------------------------


async def get_link(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> dict[str, Any] | None:
    return await uow[LINKS].find_one({"_id": link_id(initiative_id, feedback_id)}, session=uow.session)


async def insert_link(
    uow: UnitOfWork, initiative_id: str, feedback_id: str, origin: str, by: str, at: datetime
) -> dict[str, Any]:
    doc = {
        "_id": link_id(initiative_id, feedback_id),
        "initiative_id": initiative_id,
        "feedback_id": feedback_id,
        "origin": origin,
        "linked_by": by,
        "linked_at": at,
    }
    await uow[LINKS].insert_one(doc, session=uow.session)
    return doc


async def delete_link(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> bool:
    result = await uow[LINKS].delete_one({"_id": link_id(initiative_id, feedback_id)}, session=uow.session)
    return result.deleted_count == 1


async def count_links(uow: UnitOfWork, initiative_id: str) -> int:
    return await uow[LINKS].count_documents({"initiative_id": initiative_id}, session=uow.session)


async def links_page(
    uow: UnitOfWork, initiative_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    return await page(
        uow[LINKS], {"initiative_id": initiative_id}, sort=("linked_at", 1), limit=limit, cursor=cursor
    )


async def linked_feedback_ids(uow: UnitOfWork, initiative_id: str) -> list[str]:
    docs = (
        await uow[LINKS]
        .find({"initiative_id": initiative_id}, {"feedback_id": 1}, session=uow.session)
        .sort([("linked_at", 1), ("_id", 1)])
        .to_list(None)
    )
    return [doc["feedback_id"] for doc in docs]


async def links_of(uow: UnitOfWork, feedback_ids: list[str]) -> list[dict[str, Any]]:
    return await uow[LINKS].find({"feedback_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)


async def delete_links(uow: UnitOfWork, ids: list[str]) -> None:
    await uow[LINKS].delete_many({"_id": {"$in": ids}}, session=uow.session)


async def linked_items(uow: UnitOfWork, initiative_id: str) -> list[LinkedItem]:
    """Every linked item with what the feedback projection knows of it."""
    ids = await linked_feedback_ids(uow, initiative_id)
    known = {
        doc["_id"]: doc
        for doc in await uow[FEEDBACK].find({"_id": {"$in": ids}}, session=uow.session).to_list(None)
    }
    items = []
    for feedback_id in ids:
        doc = known.get(feedback_id)
        if doc is None or doc.get("ingested_at") is None:
            items.append(LinkedItem(feedback_id))
        else:
            items.append(
                LinkedItem(
                    feedback_id,
                    doc.get("account_id"),
                    doc.get("arr_minor"),
                    doc.get("currency"),
                    doc["ingested_at"],
                )
            )
    return items


# -- feedback projection -------------------------------------------------------------------------


async def touch_feedback(uow: UnitOfWork, feedback_id: str, at: datetime) -> None:
    """Write the item's projection document (a stub until its ingestion arrives).

    A link and an ingestion (or erasure) of the same item committing concurrently would
    each miss the other's write (snapshot isolation) and leave the summary stale; both
    writing this document makes one of them conflict and retry, seeing the other.
    """
    await uow[FEEDBACK].update_one(
        {"_id": feedback_id},
        {"$setOnInsert": {"revision": 0}, "$set": {"touched_at": at}},
        upsert=True,
        session=uow.session,
    )


async def feedback_revisions(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, int]:
    docs = (
        await uow[FEEDBACK]
        .find({"_id": {"$in": feedback_ids}}, {"revision": 1}, session=uow.session)
        .to_list(None)
    )
    return {doc["_id"]: doc["revision"] for doc in docs}


async def store_feedback(uow: UnitOfWork, docs: list[dict[str, Any]]) -> None:
    if docs:
        await uow[FEEDBACK].bulk_write(
            [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs],
            ordered=False,
            session=uow.session,
        )


async def feedback(uow: UnitOfWork, feedback_ids: list[str]) -> dict[str, dict[str, Any]]:
    docs = await uow[FEEDBACK].find({"_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)
    return {doc["_id"]: doc for doc in docs}


async def proposed_for(uow: UnitOfWork, initiative_id: str) -> dict[str, dict[str, Any]]:
    """Feedback whose reporter proposed it answers ``initiative_id``, by feedback id."""
    docs = (
        await uow[FEEDBACK].find({"proposed_initiative_id": initiative_id}, session=uow.session).to_list(None)
    )
    return {doc["_id"]: doc for doc in docs}


async def erase_feedback(uow: UnitOfWork, feedback_ids: list[str], erasure_id: str, at: datetime) -> None:
    """Forget the items and keep a tombstone, so that a late or replayed ingestion cannot bring them back."""
    await uow[FEEDBACK].delete_many({"_id": {"$in": feedback_ids}}, session=uow.session)
    await uow[ERASED].bulk_write(
        [
            ReplaceOne({"_id": fid}, {"_id": fid, "erasure_id": erasure_id, "at": at}, upsert=True)
            for fid in feedback_ids
        ],
        ordered=False,
        session=uow.session,
    )


async def erased(uow: UnitOfWork, feedback_ids: list[str]) -> set[str]:
    docs = (
        await uow[ERASED].find({"_id": {"$in": feedback_ids}}, {"_id": 1}, session=uow.session).to_list(None)
    )
    return {doc["_id"] for doc in docs}


# -- insights projection and suggestions ---------------------------------------------------------


async def insight_version(uow: UnitOfWork, insight_id: str) -> int | None:
    doc = await uow[INSIGHTS].find_one({"_id": insight_id}, {"version": 1}, session=uow.session)
    return doc["version"] if doc else None


async def store_insight(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[INSIGHTS].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)


async def insights_for(uow: UnitOfWork, themes: list[str], initiative_id: str) -> list[dict[str, Any]]:
    """Insights of a theme the initiative covers, or about the initiative itself."""
    query = {"$or": [{"theme": {"$in": themes}}, {"initiative_id": initiative_id}]}
    return await uow[INSIGHTS].find(query, session=uow.session).sort("_id", 1).to_list(None)


async def dismissed(uow: UnitOfWork, initiative_id: str) -> set[str]:
    docs = (
        await uow[DISMISSALS]
        .find({"initiative_id": initiative_id}, {"feedback_id": 1}, session=uow.session)
        .to_list(None)
    )
    return {doc["feedback_id"] for doc in docs}


async def dismiss(uow: UnitOfWork, initiative_id: str, feedback_id: str, by: str, at: datetime) -> None:
    await uow[DISMISSALS].replace_one(
        {"_id": link_id(initiative_id, feedback_id)},
        {
            "_id": link_id(initiative_id, feedback_id),
            "initiative_id": initiative_id,
            "feedback_id": feedback_id,
            "dismissed_by": by,
            "dismissed_at": at,
        },
        upsert=True,
        session=uow.session,
    )
