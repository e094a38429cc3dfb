"""What a refused submission is announced with (feedback.rejected): bounded, never itself invalid. Pure."""

import json
from typing import Any

from pydantic import ValidationError
from terrain_contracts.events.feedback import FeedbackRejectedData, FeedbackSubmitted, IntakeChannel
from terrain_contracts.types import FieldError, field_errors


def rejected(
    channel: IntakeChannel,
    errors: list[FieldError],
    source: str | None,
    external_id: str | None,
    excerpt: str | None,
) -> FeedbackRejectedData:
    """The refusal cut to the contract's bounds (what was refused may be of any size)."""
    return FeedbackRejectedData(
        channel=channel,
        source=(source or None) and source[:64],
        external_id=(external_id or None) and external_id[:256],
        errors=errors[:50] or [FieldError(field="(root)", message="invalid")],
        excerpt=(excerpt or None) and excerpt[:2000],
    )


def invalid_submission(payload: bytes, reason: str) -> FeedbackRejectedData:
    """A feedback.submitted message failing its contract: what is wrong, and what it names, if it can."""
    try:
        FeedbackSubmitted.model_validate_json(payload, extra="ignore")
        errors = [FieldError(field="(root)", message=reason[:2000] or "invalid")]
    except ValidationError as exc:
        errors = field_errors(exc.errors())
    data = _data_of(payload)

    def text(name: str) -> str | None:
        value = data.get(name)
        # json.loads accepts half an emoji (a lone surrogate escape, from a JavaScript producer cutting a
        # string); the contract's strings do not, and the refusal must still be announced.
        return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else None

    excerpt = text("text") or payload[:2000].decode("utf-8", "replace")
    return rejected(IntakeChannel.event, errors, text("source"), text("external_id"), excerpt)


def _data_of(payload: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(payload)
    except ValueError:
        return {}
    data = raw.get("data") if isinstance(raw, dict) else None
    return data if isinstance(data, dict) else {}
