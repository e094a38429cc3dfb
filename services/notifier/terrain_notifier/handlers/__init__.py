"""Use cases of the notifier: async functions taking a unit of work, a :class:`Context` and plain values."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..settings import NotifierSettings


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
