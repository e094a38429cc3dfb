"""Rows of a CSV or JSONL export -> ``feedback.submitted`` events, through a column mapping. Pure.

A mapping names, for contract fields (dotted: ``reporter.email``), the column
(or JSON key, dotted for nested objects) holding the value, and constants for
what the whole file shares::

    columns:
      external_id: Ticket ID
      text: Body
      reporter.name: Agent
      reporter.email: Agent email
      customer.domain: Company domain
      occurred_at: Created at
      tags: Tags            # "a, b; c" splits
    constants:
      source: zendesk
      kind: customer
      reporter.role: support_agent
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from pydantic import ValidationError
from terrain_contracts.events.feedback import FeedbackSubmitted, FeedbackSubmittedData, IntakeChannel
from terrain_contracts.types import FieldError, field_errors

from .items import content_hash, feedback_id

FIELDS = {
    "source",
    "external_id",
    "kind",
    "reporter.name",
    "reporter.email",
    "reporter.role",
    "customer.account_id",
    "customer.name",
    "customer.email",
    "customer.domain",
    "text",
    "tags",
    "rating",
    "nps",
    "language",
    "occurred_at",
    "url",
}
# The bulk import publishes with this envelope source, so its items say channel "import".
IMPORT_PRODUCER = "feedback-import"
# Row events' ids derive from the row's content: re-importing a row publishes the same event.
ROW_NAMESPACE = uuid.UUID("6f0c5a4e-2f7b-4d8e-9a53-1c1e6a3b7d21")


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Any, maps: Sequence[str] = (), sets: Sequence[str] = ()) -> "Mapping":
        """From a parsed YAML document, then ``field=column`` and ``field=value`` flags on top."""
        document = document or {}
        if not isinstance(document, dict):
            raise MappingError("the mapping file must hold 'columns' and 'constants'")
        columns = dict(document.get("columns") or {})
        constants = dict(document.get("constants") or {})
        for flag, target in ((maps, columns), (sets, constants)):
            for item in flag:
                name, sep, value = item.partition("=")
                if not sep:
                    raise MappingError(f"expected field=value, got {item!r}")
                target[name.strip()] = value.strip()
        unknown = sorted((set(columns) | set(constants)) - FIELDS)
        if unknown:
            raise MappingError(f"unknown contract fields {unknown}; known: {sorted(FIELDS)}")
        required = {"source", "external_id", "kind", "reporter.name", "reporter.role", "text", "occurred_at"}
        missing = sorted(required - set(columns) - set(constants))
        if missing:
            raise MappingError(f"nothing maps to the required fields {missing}")
        return cls({k: str(v) for k, v in columns.items()}, constants)


def lookup(row: dict[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    value: Any = row
    for part in key.split("."):  # nested JSON objects
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _time(value: Any, default_tz: tzinfo | None) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            value = int(text)
        else:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return value  # the contract names the problem
            if parsed.tzinfo is None and default_tz is not None:
                parsed = parsed.replace(tzinfo=default_tz)
            return parsed
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return value
    return value


def _tags(value: Any) -> Any:
    if isinstance(value, str):
        return [t.strip().lower() for t in re.split(r"[,;|]", value) if t.strip()]
    return value


def row_data(row: dict[str, Any], mapping: Mapping, default_tz: tzinfo | None = None) -> dict[str, Any]:
    flat: dict[str, Any] = dict(mapping.constants)
    for name, column in mapping.columns.items():
        value = lookup(row, column)
        if not _blank(value):
            flat[name] = value
        elif name not in flat:
            flat[name] = None
    if "occurred_at" in flat:
        flat["occurred_at"] = _time(flat["occurred_at"], default_tz)
    if "tags" in flat:
        flat["tags"] = _tags(flat["tags"]) or []
    nested: dict[str, Any] = {"reporter": {}, "customer": {}}
    for name, value in flat.items():
        if value is None:
            continue
        head, _, tail = name.partition(".")
        if tail:
            nested[head][tail] = value
        else:
            nested[head] = value
    return nested


def to_event(
    row: dict[str, Any], mapping: Mapping, producer: str, default_tz: tzinfo | None = None
) -> FeedbackSubmitted | list[FieldError]:
    """The event a row becomes, validated as a producer must; or what is wrong with the row."""
    try:
        data = FeedbackSubmittedData.model_validate(row_data(row, mapping, default_tz))
    except ValidationError as exc:
        return field_errors(exc.errors())
    row_id = f"{feedback_id(data.source, data.external_id)}:{content_hash(data)}"
    return FeedbackSubmitted(id=uuid.uuid5(ROW_NAMESPACE, row_id), data=data, source=producer)


def channel_of(producer: str) -> IntakeChannel:
    """The intake channel of a feedback.submitted event, from its envelope's source."""
    return IntakeChannel.bulk_import if producer == IMPORT_PRODUCER else IntakeChannel.event
