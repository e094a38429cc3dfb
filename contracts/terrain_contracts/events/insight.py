"""Insights: what the detectors found, routed by the notifier to the owning PMs."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Id, Paragraph, Reason, Slug, Title, UtcDatetime


class InsightKind(StrEnum):
    spike = "spike"
    top_demand = "top_demand"
    unowned_demand = "unowned_demand"
    initiative_evidence = "initiative_evidence"
    churn_risk = "churn_risk"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


class InsightStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


MetricName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Insight(Contract):
    insight_id: Id
    kind: InsightKind
    severity: Severity
    title: Title
    summary: Paragraph = Field(description="One paragraph with the numbers behind the insight.")
    product_area: Slug | None = None
    theme: Slug | None = None
    owning_team_id: Id | None = Field(default=None, description="None when nobody owns the area.")
    initiative_id: Id | None = None
    account_id: Id | None = None
    segment: Slug | None = None
    evidence_feedback_ids: list[Id] = Field(default_factory=list, max_length=100)
    metrics: dict[MetricName, float] = Field(default_factory=dict, max_length=30)
    dedup_key: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Stable for one ongoing situation: an ongoing spike updates one insight."
    )
    status: InsightStatus
    version: int = Field(ge=1)
    detected_at: UtcDatetime
    updated_at: UtcDatetime


class InsightData(Contract):
    insight: Insight


class InsightDetected(Event):
    type: Literal["insight.detected"] = "insight.detected"
    version: Literal[1] = 1
    data: InsightData
    subject: ClassVar[str] = subjects.INSIGHT_DETECTED
    stream: ClassVar[str] = streams.INSIGHTS


class InsightUpdatedData(Contract):
    insight: Insight
    changed_fields: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=30
    )


class InsightUpdated(Event):
    type: Literal["insight.updated"] = "insight.updated"
    version: Literal[1] = 1
    data: InsightUpdatedData
    subject: ClassVar[str] = subjects.INSIGHT_UPDATED
    stream: ClassVar[str] = streams.INSIGHTS


class InsightResolvedData(Contract):
    insight: Insight
    reason: Reason


class InsightResolved(Event):
    type: Literal["insight.resolved"] = "insight.resolved"
    version: Literal[1] = 1
    data: InsightResolvedData
    subject: ClassVar[str] = subjects.INSIGHT_RESOLVED
    stream: ClassVar[str] = streams.INSIGHTS
