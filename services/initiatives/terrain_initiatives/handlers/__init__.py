"""Use cases: async functions taking a unit of work, the acting person, the time and plain values."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from terrain_contracts import Event
from terrain_kit import logs

from ..domain.errors import StaleVersion, VersionRequired
from ..domain.evidence import Weights

SOURCE = "initiatives"
E = TypeVar("E", bound=Event)


def event(kind: type[E], data: object, cause: Event | None = None) -> E:
    """An event of this service, in the flow of the request or of the event that caused it."""
    if cause is not None:
        return kind.create(data, source=SOURCE, cause=cause)
    return kind.create(data, source=SOURCE, correlation_id=logs.correlation_id.get())


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What use cases need besides the database: the time, the scoring weights, limits."""

    weights: Weights
    ballot_quorum: int
    max_links: int
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()


def check_version(current: int, if_match: int | None) -> None:
    """Optimistic concurrency: writes name the version they were based on."""
    if if_match is None:
        raise VersionRequired("send If-Match with the version (ETag) your change is based on")
    if if_match != current:
        raise StaleVersion(if_match, current)
