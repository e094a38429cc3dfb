"""What became of items, kept from other services' events: their theme, the initiatives linking them,
and those initiatives' titles and statuses. Read by "my feedback"."""

from collections.abc import Iterable
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from terrain_kit.uow import UnitOfWork

from . import ACCOUNTS, INITIATIVES, LINKS, THEMES


async def theme_revisions(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, int]:
    query = {"_id": {"$in": sorted(set(ids))}}
    return {doc["_id"]: doc["revision"] async for doc in uow[THEMES].find(query, session=uow.session)}


async def write_themes(uow: UnitOfWork, docs: list[dict[str, Any]]) -> None:
    if docs:
        writes = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs]
        await uow[THEMES].bulk_write(writes, ordered=False, session=uow.session)


async def initiative_version(uow: UnitOfWork, initiative_id: str) -> int:
    doc = await uow[INITIATIVES].find_one({"_id": initiative_id}, session=uow.session)
    return doc["version"] if doc else 0


async def write_initiative(uow: UnitOfWork, doc: dict[str, Any]) -> None:
    await uow[INITIATIVES].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)


async def link(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> None:
    doc = {
        "_id": f"{initiative_id}|{feedback_id}",
        "initiative_id": initiative_id,
        "feedback_id": feedback_id,
    }
    await uow[LINKS].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)


async def unlink(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> None:
    await uow[LINKS].delete_one({"_id": f"{initiative_id}|{feedback_id}"}, session=uow.session)


async def forget(uow: UnitOfWork, feedback_ids: list[str]) -> None:
    """Erased items: their themes and links go too."""
    await uow[THEMES].delete_many({"_id": {"$in": feedback_ids}}, session=uow.session)
    links = await uow[LINKS].find({"feedback_id": {"$in": feedback_ids}}, session=uow.session).to_list(None)
    if links:
        await uow[LINKS].bulk_write([DeleteOne({"_id": d["_id"]}) for d in links], session=uow.session)


async def followups_of(uow: UnitOfWork, ids: list[str]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """(theme by feedback id, initiatives linking each feedback id with their title and status)."""
    themes = {d["_id"]: d async for d in uow.db[THEMES].find({"_id": {"$in": ids}})}
    links = await uow.db[LINKS].find({"feedback_id": {"$in": ids}}).to_list(None)
    initiative_ids = sorted({link["initiative_id"] for link in links})
    known = {d["_id"]: d async for d in uow.db[INITIATIVES].find({"_id": {"$in": initiative_ids}})}
    linked: dict[str, list[dict]] = {}
    for link_ in sorted(links, key=lambda d: d["initiative_id"]):
        initiative = known.get(link_["initiative_id"], {"_id": link_["initiative_id"]})
        linked.setdefault(link_["feedback_id"], []).append(initiative)
    return themes, linked


def reported_by(member_id: str) -> dict[str, Any]:
    """Items this person reported: logged by them, or naming their work email (their member id, for reps)."""
    clauses: list[dict[str, Any]] = [{"reporter.member_id": member_id}]
    if "@" in member_id:
        clauses.append({"reporter.email": member_id})
    return {"$or": clauses} if len(clauses) > 1 else clauses[0]


async def covered_accounts(uow: UnitOfWork, rep_email: str) -> list[str]:
    """The accounts a rep covers (the CRM's ``owner_rep_email``)."""
    docs = await uow.db[ACCOUNTS].find({"owner_rep_email": rep_email}, {"_id": 1}).to_list(None)
    return sorted(d["_id"] for d in docs)


async def visible_to_rep(uow: UnitOfWork, member_id: str) -> dict[str, Any]:
    """What a rep may read: what they reported, and the feedback of the accounts they cover."""
    accounts = await covered_accounts(uow, member_id) if "@" in member_id else []
    mine = reported_by(member_id)
    return {"$or": [mine, {"account_id": {"$in": accounts}}]} if accounts else mine
