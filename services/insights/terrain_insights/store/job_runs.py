"""Where periodic jobs left off: one document per job, ``_id`` = the job's name."""

from datetime import datetime
from typing import Any

from terrain_kit.uow import UnitOfWork

from . import JOB_RUNS


async def ran_at(uow: UnitOfWork, job: str) -> datetime | None:
    doc = await uow[JOB_RUNS].find_one({"_id": job}, session=uow.session)
    return doc["ran_at"] if doc else None


async def ran(uow: UnitOfWork, job: str, at: datetime, **fields: Any) -> None:
    await uow[JOB_RUNS].update_one(
        {"_id": job}, {"$set": {"ran_at": at, **fields}}, upsert=True, session=uow.session
    )
