"""Terrain event contracts.

Importable with Pydantic alone: a Sales or CS tool builds an event here and
publishes ``event.to_json()`` on ``event.subject`` with ``Nats-Msg-Id`` set
to ``str(event.id)``.
"""

from . import headers, registry, streams, subjects
from .deadletter import DeadLetter
from .envelope import Event
from .types import Contract, FieldError, Money, Role

__all__ = [
    "Contract",
    "DeadLetter",
    "Event",
    "FieldError",
    "Money",
    "Role",
    "headers",
    "registry",
    "streams",
    "subjects",
]
