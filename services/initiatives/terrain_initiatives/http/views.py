"""Response models: what the API shows of stored documents."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from terrain_contracts.events.initiative import Briefing

from ..domain.measurements import progress
from ..store.initiatives import briefing_of


class Evidence(BaseModel):
    items: int = Field(description="Linked feedback items.")
    known_items: int = Field(description="Linked items whose feedback.ingested was received.")
    unique_accounts: int
    arr_by_currency: dict[str, int] = Field(description="ARR in minor units, each account counted once.")


class Final(BaseModel):
    status: str
    note: str = Field(description="The release note (shipped) or the reason (dropped).")
    at: datetime
    by: str


class MetricProgress(BaseModel):
    latest: float | None = Field(description="The value measured last (by measurement time).")
    latest_at: datetime | None
    progress: float | None = Field(
        description="(latest - baseline) / (target_value - baseline): 0 at the baseline, 1 on target; "
        "None without a measurement or without both ends."
    )


def metric_progress(doc: dict[str, Any]) -> MetricProgress | None:
    if not doc.get("success_metric"):
        return None
    latest = doc.get("metric_latest") or {}
    value = latest.get("value")
    return MetricProgress(
        latest=value, latest_at=latest.get("at"), progress=progress(doc["success_metric"], value)
    )


class Initiative(BaseModel):
    initiative: Briefing
    evidence: Evidence
    priority: float = Field(description="See the service README for the formula and its weights.")
    vote_average: float | None = Field(description="Average director score in the last quorate ballot.")
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    proposed_at: datetime | None
    final: Final | None = None
    metric: MetricProgress | None = Field(default=None, description="The success metric as measured.")


def initiative(doc: dict[str, Any]) -> Initiative:
    final = doc.get("final")
    return Initiative(
        initiative=briefing_of(doc),
        evidence=Evidence(**doc["evidence"]),
        priority=doc["priority"],
        vote_average=doc.get("vote_average"),
        created_at=doc["created_at"],
        created_by=doc["created_by"],
        updated_at=doc["updated_at"],
        updated_by=doc["updated_by"],
        proposed_at=doc.get("proposed_at"),
        final=Final(**{k: final[k] for k in ("status", "note", "at", "by")}) if final else None,
        metric=metric_progress(doc),
    )


class HistoryEntry(BaseModel):
    version: int
    at: datetime
    by: str
    action: str
    changes: dict[str, Any]


def history_entry(doc: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(**{k: doc[k] for k in ("version", "at", "by", "action", "changes")})


class Link(BaseModel):
    initiative_id: str
    feedback_id: str
    origin: str
    linked_by: str
    linked_at: datetime


def link(doc: dict[str, Any]) -> Link:
    return Link(**{k: doc[k] for k in Link.model_fields})


class Dependency(BaseModel):
    dependency_id: str
    initiative_id: str
    requesting_team_id: str
    on_team_id: str
    on_initiative_id: str | None
    description: str
    answer_by: date
    state: str = Field(description="open, accepted, declined or withdrawn.")
    overdue: bool = Field(description="Unanswered after its answer-by day.")
    overdue_since: datetime | None = Field(default=None, description="When the maintenance job flagged it.")
    requested_by: str
    requested_at: datetime
    note: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


def dependency(doc: dict[str, Any]) -> Dependency:
    return Dependency(**{k: doc.get(k) for k in Dependency.model_fields})
