"""Taxonomy versions: immutable documents, ``_id`` = version number (the unique key orders concurrent
writers)."""

from datetime import datetime

from pymongo.errors import DuplicateKeyError
from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from ..domain.taxonomy import Taxonomy
from . import TAXONOMY


class VersionConflict(Conflict):
    """Another change created this version first."""


async def latest(uow: UnitOfWork) -> Taxonomy | None:
    doc = await uow[TAXONOMY].find_one({}, sort=[("_id", -1)], session=uow.session)
    return _taxonomy(doc) if doc else None


async def latest_version(uow: UnitOfWork) -> int | None:
    doc = await uow[TAXONOMY].find_one({}, {"_id": 1}, sort=[("_id", -1)], session=uow.session)
    return doc["_id"] if doc else None


async def get(uow: UnitOfWork, version: int) -> Taxonomy | None:
    doc = await uow[TAXONOMY].find_one({"_id": version}, session=uow.session)
    return _taxonomy(doc) if doc else None


async def versions(uow: UnitOfWork, limit: int = 100) -> list[dict]:
    return (
        await uow[TAXONOMY]
        .find({}, {"areas": 0}, session=uow.session)
        .sort("_id", -1)
        .limit(limit)
        .to_list(None)
    )


async def insert(
    uow: UnitOfWork, taxonomy: Taxonomy, author: str, note: str | None, at: datetime
) -> Taxonomy:
    current = await latest(uow)
    version = (current.version if current else 0) + 1
    stored = taxonomy.model_copy(update={"version": version})
    try:
        await uow[TAXONOMY].insert_one(
            {
                "_id": version,
                **stored.content(),
                "created_at": at,
                "created_by": author,
                "note": note,
            },
            session=uow.session,
        )
    except DuplicateKeyError as exc:
        raise VersionConflict(f"taxonomy version {version} was just created by another change") from exc
    return stored


def _taxonomy(doc: dict) -> Taxonomy:
    return Taxonomy.model_validate({"version": doc["_id"], "areas": doc.get("areas", [])})
