"""Deliveries: their life cycle, their deterministic ids, and what a circuit breaker protects."""

import hashlib
from typing import Any
from urllib.parse import urlsplit

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


def notification_id(*parts: object) -> str:
    """Deterministic: the same notification recorded twice (a redelivered event) has the same id."""
    return "n-" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def endpoint_of(delivery: dict[str, Any], smtp: str) -> str:
    """What a circuit protects: an HTTP target's URL (without its query), the SMTP server for email."""
    if delivery["channel"] == "email":
        return smtp
    parts = urlsplit(delivery["target"]["url"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
