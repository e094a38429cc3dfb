"""Durable consumers, declared once per service with their delivery policy.

    consumers = Consumers("insights")

    @consumers.on(FeedbackIngested, durable="insights-classifier", batch=True)
    async def classify(events: list[FeedbackIngested], uow: UnitOfWork) -> None: ...

A handler receives events already parsed (tolerantly) and de-duplicated: a
redelivered event never reaches it twice. It changes state through ``uow``
and emits the events the change implies; the kit commits both with the
processed-marker in one transaction. ``batch=True`` handlers get every event
of a fetched batch at once (bulk writes); plain handlers get one event at a
time, still inside the batch's transaction, seeing each other's writes.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from terrain_contracts import Event, subjects


class InvalidMessage(Exception):
    """The payload does not match its contract: dead-lettered at once, never retried."""


class Rejected(Exception):
    """Raised by a handler for a permanent refusal: dead-lettered at once with this reason."""


Handler = Callable[[Any, Any], Awaitable[None]]
# Called with (subject, raw payload, reason, uow) for a payload that fails its contract, before it is
# dead-lettered: e.g. to record a domain "rejected" event through the outbox.
InvalidHandler = Callable[[str, bytes, str, Any], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    durable: str
    events: dict[str, type[Event]]
    handler: Handler
    batch: bool
    stream: str
    subject: str
    max_attempts: int | None = None
    description: str = ""
    on_invalid: InvalidHandler | None = None
    # Events from outside Terrain carrying personal data (feedback.submitted): the kit records where each
    # is stored, so that erasing its subject deletes it (terrain_kit.erasure).
    index_personal: bool = False


def _filter_subject(events: tuple[type[Event], ...]) -> str:
    names = {event.subject for event in events}
    if len(names) == 1:
        return names.pop()
    aggregates = {name.split(".")[1] for name in names}
    if len(aggregates) != 1:
        raise ValueError(
            f"a consumer reads one aggregate, got {sorted(aggregates)}: declare one per aggregate"
        )
    return subjects.wildcard(aggregates.pop())


@dataclass
class Consumers:
    service: str
    _declared: dict[str, Consumer] = field(default_factory=dict)

    def on(
        self,
        *events: type[Event],
        durable: str,
        batch: bool = False,
        max_attempts: int | None = None,
        on_invalid: InvalidHandler | None = None,
        index_personal: bool = False,
    ) -> Callable[[Handler], Handler]:
        if not events:
            raise ValueError("name at least one event type")
        streams = {event.stream for event in events}
        if len(streams) != 1:
            raise ValueError(f"{durable}: events come from several streams {sorted(streams)}")
        if durable in self._declared:
            raise ValueError(f"durable consumer {durable!r} declared twice")

        def register(handler: Handler) -> Handler:
            self._declared[durable] = Consumer(
                durable=durable,
                events={event.subject: event for event in events},
                handler=handler,
                batch=batch,
                stream=streams.pop(),
                subject=_filter_subject(events),
                max_attempts=max_attempts,
                description=(handler.__doc__ or "").strip().split("\n")[0],
                on_invalid=on_invalid,
                index_personal=index_personal,
            )
            return handler

        return register

    def __iter__(self) -> Iterator[Consumer]:
        return iter(self._declared.values())

    def __len__(self) -> int:
        return len(self._declared)
