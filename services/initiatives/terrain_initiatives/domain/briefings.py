"""Briefing edits: what changed, field by field, for the history and the ``changed_fields`` of events."""

from typing import Any

# Fields a briefing edit may change; status moves through transitions only.
EDITABLE = (
    "title",
    "problem",
    "source",
    "size",
    "intention",
    "owner_team_id",
    "quarter",
    "success_metric",
    "product_area",
    "themes",
)


def changes(current: dict[str, Any], edit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for each edited field whose value differs (JSON-ready values)."""
    found = {}
    for name in EDITABLE:
        if name in edit and edit[name] != current.get(name):
            found[name] = {"from": current.get(name), "to": edit[name]}
    return found
