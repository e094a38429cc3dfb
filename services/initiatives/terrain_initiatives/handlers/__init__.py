"""Use cases: async functions taking a unit of work, the acting person, the context and plain values."""

from typing import TypeVar

from terrain_contracts import Event
from terrain_kit import logs

SOURCE = "initiatives"
E = TypeVar("E", bound=Event)


def event(kind: type[E], data: object, cause: Event | None = None) -> E:
    """An event of this service, in the flow of the request or of the event that caused it."""
    if cause is not None:
        return kind.create(data, source=SOURCE, cause=cause)
    return kind.create(data, source=SOURCE, correlation_id=logs.correlation_id.get())
