"""Terrain event contracts.

Importable with Pydantic alone: a Sales or CS tool builds an event here and
publishes ``event.to_json()`` on ``event.subject`` with ``Nats-Msg-Id`` set
to ``str(event.id)``.

Every contract by subject and producer: ``terrain_contracts.registry``
(imported on its own, not loaded with the package).
"""

from . import headers, streams, subjects
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
    "streams",
    "subjects",
]
