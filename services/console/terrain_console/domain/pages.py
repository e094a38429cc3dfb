"""What a page shows that is a rule, not markup: board columns, ballot progress, filters kept in links."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

STATUSES = ("draft", "proposed", "aligned", "committed", "in_progress", "shipped", "dropped")
KINDS = ("customer", "field")
CATEGORIES = ("bug", "feature_request", "praise", "question", "complaint")
STATES = ("open", "shipped")
SCORES = (1, 2, 3)


def query(filters: Mapping[str, Any], **changes: Any) -> str:
    """A page link keeping the filters, with ``changes`` (None drops a key)."""
    merged = {**filters, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def columns(initiatives: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """The board: a column per status, in lifecycle order, empty ones kept (a column says where things go)."""
    by_status: dict[str, list[Mapping[str, Any]]] = {status: [] for status in STATUSES}
    for item in initiatives:
        by_status.setdefault(item["initiative"]["status"], []).append(item)
    return list(by_status.items())


def quorum_progress(voters: int | None, quorum: int) -> dict[str, Any]:
    voted = voters or 0
    percent = 100 if quorum <= 0 else min(100, round(100 * voted / quorum))
    return {"voters": voted, "quorum": quorum, "percent": percent, "met": voted >= quorum}


def money(minor_by_currency: Mapping[str, int] | None) -> str:
    if not minor_by_currency:
        return "-"
    return ", ".join(
        f"{amount // 100:,} {currency}" for currency, amount in sorted(minor_by_currency.items())
    )
