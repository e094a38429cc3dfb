"""Forms: what a person typed, turned into the services' JSON bodies, and their 422 answers per field."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select
    choices: tuple[str, ...] = ()
    hint: str = ""


SOURCES = ("customer_feedback", "strategy", "tech_debt", "regulation", "incident", "partner", "other")
SIZES = ("xs", "s", "m", "l", "xl")
METRIC_KINDS = ("kpi", "okr_key_result")
BRIEFING = (
    Field("title", "Title"),
    Field("problem", "Problem", "textarea", hint="What hurts, for whom, with what evidence."),
    Field("source", "Source of the need", "select", SOURCES),
    Field("size", "Size", "select", SIZES),
    Field("intention", "Intention", "textarea", hint="What we mean to do about it."),
    Field("owner_team_id", "Owner team", hint="The team id, e.g. squad-billing."),
    Field("quarter", "Quarter", hint="e.g. 2027-Q1"),
    Field("product_area", "Product area", hint="A slug, e.g. billing; empty for none."),
    Field("themes", "Themes", hint="Theme slugs separated by commas."),
    Field("metric_kind", "Success metric kind", "select", ("", *METRIC_KINDS)),
    Field("metric_name", "Success metric"),
    Field("metric_target", "Target"),
)
TEXT_FIELDS = ("title", "problem", "source", "size", "intention", "owner_team_id", "quarter")
# The service names a nested field by its path; the form has one input per leaf.
ALIASES = {
    "success_metric.kind": "metric_kind",
    "success_metric.name": "metric_name",
    "success_metric.target": "metric_target",
    "success_metric": "metric_name",
}


def briefing_values(initiative: Mapping[str, Any]) -> dict[str, str]:
    """The form's values from a briefing as the initiatives service shows it."""
    metric = initiative.get("success_metric") or {}
    values = {name: str(initiative.get(name) or "") for name in TEXT_FIELDS}
    values["product_area"] = initiative.get("product_area") or ""
    values["themes"] = ", ".join(initiative.get("themes") or [])
    values["metric_kind"] = metric.get("kind", "")
    values["metric_name"] = metric.get("name", "")
    values["metric_target"] = metric.get("target", "")
    return values


def briefing_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body of a briefing from what was typed: the service judges every value, naming the field."""
    body: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS}
    body["product_area"] = form.get("product_area", "").strip() or None
    body["themes"] = [slug.strip() for slug in form.get("themes", "").split(",") if slug.strip()]
    metric = {k: form.get(f"metric_{k}", "").strip() for k in ("kind", "name", "target")}
    body["success_metric"] = metric if any(metric.values()) else None
    return body


def changed_fields(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Only what differs from the stored briefing (an edit sends the fields it changes)."""
    return {k: v for k, v in body.items() if current.get(k) != v}


def field_messages(
    errors: Sequence[Mapping[str, str]] | None, known: set[str]
) -> tuple[dict[str, str], list[str]]:
    """A service's 422 ``errors`` as {form field: message}, and the messages no field of the form shows."""
    by_field: dict[str, str] = {}
    elsewhere: list[str] = []
    for error in errors or []:
        path = error.get("field", "").removeprefix("body.")
        name = ALIASES.get(path, path.split(".")[0])
        if name in known:
            by_field.setdefault(name, error.get("message", "invalid"))
        else:
            elsewhere.append(f"{path or 'request'}: {error.get('message', 'invalid')}")
    return by_field, elsewhere


DEPENDENCY = (
    Field("on_team_id", "Team asked", hint="The team id, e.g. squad-platform."),
    Field(
        "on_initiative_id",
        "Their initiative (optional)",
        hint="One of that team's initiatives, if it is one.",
    ),
    Field("description", "What you need", "textarea"),
    Field("answer_by", "Answer by", "date"),
)


def dependency_body(form: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {name: form.get(name, "") for name in ("on_team_id", "description", "answer_by")}
    body["on_initiative_id"] = form.get("on_initiative_id", "").strip() or None
    return body


CANDIDATE_STATUSES = ("proposed", "aligned", "committed")


def ballot_body(quarter: str, candidates: list[str], closes_at: str, quorum: str) -> dict[str, Any]:
    """A new ballot from the form: ``closes_at`` a local date-time read as UTC; empty quorum: the default."""
    body: dict[str, Any] = {"quarter": quarter.strip(), "candidate_ids": candidates}
    body["closes_at"] = f"{closes_at}:00+00:00" if len(closes_at) == 16 else closes_at
    if quorum.strip():
        body["quorum"] = int(quorum) if quorum.strip().isdigit() else quorum
    return body
