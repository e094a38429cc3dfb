"""Use cases of the notifier: async functions taking a unit of work, a :class:`Context` and plain values."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from terrain_contracts import Event
from terrain_kit.telemetry import current_trace_headers

from ..settings import NotifierSettings


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    settings: NotifierSettings
    clock: Callable[[], datetime] = utcnow
    # Called after a commit that recorded deliveries, so a local dispatcher looks at once.
    wake: Callable[[], None] = field(default=lambda: None)

    @property
    def inbox_link(self) -> str:
        return f"{self.settings.public_url.rstrip('/')}/v1/inbox"


def notification_id(*parts: object) -> str:
    """Deterministic: the same notification recorded twice (a redelivered event) has the same id."""
    return "n-" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def flow_of(uow, cause: Event | None) -> dict[str, Any]:
    """What a delivery keeps of its causing event, so the dispatcher's events join that flow and trace."""
    if cause is None:
        return {}
    # The kit keeps each consumed event's trace context on the unit of work (public accessor: kit candidate).
    trace = getattr(uow, "_trace_for", {}).get(cause.id) or current_trace_headers()
    return {"correlation_id": cause.correlation_id, "cause_id": str(cause.id), "trace": trace}
