"""Taxonomy versions: immutable documents, ``_id`` = version number (the unique key orders concurrent
writers)."""

from datetime import datetime

from pymongo.errors import DuplicateKeyError
from terrain_kit.errors import StaleVersion
from terrain_kit.uow import UnitOfWork

from ..domain.taxonomy import Taxonomy
from . import TAXONOMY


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
    uow: UnitOfWork, taxonomy: Taxonomy, version: int, author: str, note: str | None, at: datetime
) -> Taxonomy:
    """Store ``taxonomy`` as ``version`` (the one after the version the change is based on). The unique
    ``_id`` makes this the check of that base too: a writer that lost the race to ``version`` gets
    :class:`StaleVersion`, atomically with the insert."""
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
        raise StaleVersion(version - 1, version) from exc
    return stored


def _taxonomy(doc: dict) -> Taxonomy:
    return Taxonomy.model_validate(
        {"version": doc["_id"], "areas": doc.get("areas", []), "threshold": doc.get("threshold")}
    )
