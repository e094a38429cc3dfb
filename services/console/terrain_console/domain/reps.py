"""For Sales and CS reps and Product Ops: logged feedback's body, the accounts a search keeps, KPI rows."""

import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

LOGGED_FIELDS = ("account_id", "text", "initiative_id")
REPS = ("sales", "cs")


def form_key() -> str:
    """One idempotency key per rendering of the form: a double submit of it stores one item."""
    return secrets.token_urlsafe(18)


def logged_body(form: Mapping[str, str]) -> dict[str, Any]:
    """What was typed as ``POST /v1/feedback``'s body: the service judges every value, naming the field."""
    body: dict[str, Any] = {"account_id": form.get("account_id", ""), "text": form.get("text", "")}
    if form.get("initiative_id", "").strip():
        body["initiative_id"] = form["initiative_id"].strip()
    return body


def matching_accounts(accounts: Sequence[Mapping[str, Any]], search: str) -> list[Mapping[str, Any]]:
    """The accounts whose id, name or one of its domains holds every word searched (case-insensitive)."""
    words = search.lower().split()

    def text(account: Mapping[str, Any]) -> str:
        return " ".join([account.get("account_id", ""), account.get("name", ""), *account.get("domains", [])])

    return [a for a in accounts if all(word in text(a).lower() for word in words)]


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def quarter_choices(today: date, around: int = 2) -> list[str]:
    """The quarters a selector offers: ``around`` before and after this one."""
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - around, index + around + 1)]


def ratio(figure: Mapping[str, Any] | None) -> str:
    """``{count, of, share}`` as "3 of 4 (75%)"; "-" without data."""
    if not figure:
        return "-"
    if not figure.get("of"):
        return f"{figure.get('count', 0)} of 0"
    return f"{figure['count']} of {figure['of']} ({round(100 * figure['count'] / figure['of'])}%)"


def hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"


def kpi_row(label: str, kpis: Mapping[str, Any]) -> dict[str, str]:
    """One table row of ``GET /v1/kpis``'s figures for a team (or the whole quarter)."""
    feedback = kpis["feedback"]
    adopted = kpis.get("adopted")
    return {
        "team": label,
        "feedback_items": str(feedback["items"]),
        "triaged": ratio(feedback["triaged"]),
        "triage_median": hours(feedback.get("median_triage_hours")),
        "linked": ratio(feedback["linked"]),
        "loop_closure": ratio(kpis["loop_closure"]),
        "evidence_backed": ratio(kpis["evidence_backed"]),
        "complete_briefings": ratio(kpis["complete_briefings"]),
        "adopted": "-" if adopted is None else ("yes" if adopted else "no"),
        "dependency_answers": ratio(kpis["dependency_answers"]),
        "answer_median": hours(kpis.get("median_answer_hours")),
        "vote_participation": ratio(kpis["vote_participation"]),
    }
