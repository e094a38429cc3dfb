"""MongoDB through PyMongo's async client; indexes declared in code and created at start."""

from collections.abc import Iterable
from dataclasses import dataclass

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from .settings import MongoSettings


def is_unavailable(exc: BaseException) -> bool:
    """The database is not reachable right now (as opposed to: this write is wrong)."""
    # AutoReconnect, NetworkTimeout and ServerSelectionTimeoutError are all ConnectionFailures.
    return isinstance(exc, ConnectionFailure)


@dataclass(frozen=True)
class Index:
    collection: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    sparse: bool = False
    ttl_seconds: int | None = None
    name: str | None = None

    def model(self) -> IndexModel:
        options: dict = {"unique": self.unique, "sparse": self.sparse}
        if self.ttl_seconds is not None:
            options["expireAfterSeconds"] = self.ttl_seconds
        options["name"] = self.name or "_".join(f"{field}_{order}" for field, order in self.keys)
        return IndexModel(list(self.keys), **options)


def asc(*fields: str) -> tuple[tuple[str, int], ...]:
    return tuple((field, ASCENDING) for field in fields)


def connect(settings: MongoSettings, app_name: str) -> AsyncMongoClient:
    # tz_aware: datetimes come back timezone-aware UTC, as the contracts require.
    return AsyncMongoClient(
        settings.uri,
        tz_aware=True,
        appname=app_name,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
    )


async def ensure_indexes(db: AsyncDatabase, indexes: Iterable[Index]) -> None:
    by_collection: dict[str, list[IndexModel]] = {}
    for index in indexes:
        by_collection.setdefault(index.collection, []).append(index.model())
    for collection, models in by_collection.items():
        await db[collection].create_indexes(models)
