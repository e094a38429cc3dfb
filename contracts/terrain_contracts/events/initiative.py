"""Product Initiative Briefings, their evidence, dependencies and the directors' ballot."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from .. import streams, subjects
from ..envelope import Event
from ..types import Confidence, Contract, Id, Paragraph, Quarter, Reason, Slug, Title, Url, UtcDatetime


class InitiativeStatus(StrEnum):
    draft = "draft"
    proposed = "proposed"
    aligned = "aligned"
    committed = "committed"
    in_progress = "in_progress"
    shipped = "shipped"
    dropped = "dropped"


class NeedSource(StrEnum):
    """Where the need comes from."""

    customer_feedback = "customer_feedback"
    strategy = "strategy"
    tech_debt = "tech_debt"
    regulation = "regulation"
    incident = "incident"
    partner = "partner"
    other = "other"


class Size(StrEnum):
    xs = "xs"
    s = "s"
    m = "m"
    l = "l"  # noqa: E741
    xl = "xl"


class MetricKind(StrEnum):
    kpi = "kpi"
    okr_key_result = "okr_key_result"


class SuccessMetric(Contract):
    kind: MetricKind
    name: Title
    target: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    baseline: float | None = Field(
        default=None, allow_inf_nan=False, description="The measured value when the initiative started."
    )
    target_value: float | None = Field(
        default=None, allow_inf_nan=False, description="The value that means success, as a number."
    )


class Briefing(Contract):
    """One page per initiative: the problem, where the need comes from, its size, the intention."""

    initiative_id: Id
    title: Title
    problem: Paragraph
    source: NeedSource
    size: Size
    intention: Paragraph
    owner_team_id: Id
    quarter: Quarter
    status: InitiativeStatus
    success_metric: SuccessMetric | None = None
    product_area: Slug | None = None
    themes: list[Slug] = Field(
        default_factory=list, max_length=20, description="Taxonomy themes this initiative answers."
    )
    version: int = Field(ge=1)


class InitiativeChangeData(Contract):
    initiative: Briefing
    changed_by: Id
    changed_fields: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=30
    )


class InitiativeCreated(Event):
    type: Literal["initiative.created"] = "initiative.created"
    version: Literal[1] = 1
    data: InitiativeChangeData
    subject: ClassVar[str] = subjects.INITIATIVE_CREATED
    stream: ClassVar[str] = streams.INITIATIVES


class InitiativeUpdated(Event):
    type: Literal["initiative.updated"] = "initiative.updated"
    version: Literal[1] = 1
    data: InitiativeChangeData
    subject: ClassVar[str] = subjects.INITIATIVE_UPDATED
    stream: ClassVar[str] = streams.INITIATIVES


class InitiativeStatusChangedData(Contract):
    initiative: Briefing
    from_status: InitiativeStatus
    to_status: InitiativeStatus
    changed_by: Id


class InitiativeStatusChanged(Event):
    type: Literal["initiative.status_changed"] = "initiative.status_changed"
    version: Literal[1] = 1
    data: InitiativeStatusChangedData
    subject: ClassVar[str] = subjects.INITIATIVE_STATUS_CHANGED
    stream: ClassVar[str] = streams.INITIATIVES


class InitiativeShippedData(Contract):
    initiative: Briefing
    release_note: Paragraph
    linked_feedback_ids: list[Id] = Field(default_factory=list, max_length=10_000)
    shipped_at: UtcDatetime
    shipped_by: Id


class InitiativeShipped(Event):
    """Shipped: feedback is marked shipped and every reporter hears about it once."""

    type: Literal["initiative.shipped"] = "initiative.shipped"
    version: Literal[1] = 1
    data: InitiativeShippedData
    subject: ClassVar[str] = subjects.INITIATIVE_SHIPPED
    stream: ClassVar[str] = streams.INITIATIVES


class InitiativeDroppedData(Contract):
    initiative: Briefing
    reason: Reason
    dropped_by: Id


class InitiativeDropped(Event):
    type: Literal["initiative.dropped"] = "initiative.dropped"
    version: Literal[1] = 1
    data: InitiativeDroppedData
    subject: ClassVar[str] = subjects.INITIATIVE_DROPPED
    stream: ClassVar[str] = streams.INITIATIVES


class LinkOrigin(StrEnum):
    manual = "manual"
    suggestion = "suggestion"  # accepted from an insight's same-theme suggestion


class FeedbackLinkedData(Contract):
    initiative_id: Id
    owner_team_id: Id
    feedback_id: Id
    linked_by: Id
    origin: LinkOrigin = LinkOrigin.manual
    relevance: Confidence | None = None


class InitiativeFeedbackLinked(Event):
    type: Literal["initiative.feedback_linked"] = "initiative.feedback_linked"
    version: Literal[1] = 1
    data: FeedbackLinkedData
    subject: ClassVar[str] = subjects.INITIATIVE_FEEDBACK_LINKED
    stream: ClassVar[str] = streams.INITIATIVES


class FeedbackUnlinkedData(Contract):
    initiative_id: Id
    owner_team_id: Id
    feedback_id: Id
    unlinked_by: Id


class InitiativeFeedbackUnlinked(Event):
    type: Literal["initiative.feedback_unlinked"] = "initiative.feedback_unlinked"
    version: Literal[1] = 1
    data: FeedbackUnlinkedData
    subject: ClassVar[str] = subjects.INITIATIVE_FEEDBACK_UNLINKED
    stream: ClassVar[str] = streams.INITIATIVES


class CyclePhase(StrEnum):
    drafting = "drafting"
    alignment = "alignment"
    validation = "validation"
    frozen = "frozen"


class CyclePhaseChangedData(Contract):
    quarter: Quarter
    from_phase: CyclePhase | None = Field(description="None when the cycle opens.")
    to_phase: CyclePhase
    changed_by: Id
    due: Paragraph = Field(description="What the new phase asks of the teams.")
    open_requests_by_team: dict[Id, int] = Field(
        default_factory=dict, max_length=500, description="Unanswered dependency requests per team asked."
    )


class InitiativeCyclePhaseChanged(Event):
    """The quarter's planning cycle opened or moved to another phase."""

    type: Literal["initiative.cycle_phase_changed"] = "initiative.cycle_phase_changed"
    version: Literal[1] = 1
    data: CyclePhaseChangedData
    subject: ClassVar[str] = subjects.INITIATIVE_CYCLE_PHASE_CHANGED
    stream: ClassVar[str] = streams.INITIATIVES


class TrackerLinkOrigin(StrEnum):
    created = "created"  # Terrain created the issue when the initiative was committed
    linked = "linked"  # a pm or Product Ops named an existing issue


class TrackerLinkedData(Contract):
    initiative_id: Id
    owner_team_id: Id
    tracker: Slug = Field(
        description="The issue tracker: jira (a Linear or GitHub Issues adapter names itself)."
    )
    issue_key: Id = Field(description="The tracker's key of the issue, e.g. TRN-42.")
    issue_url: Url | None = None
    origin: TrackerLinkOrigin
    linked_by: Id


class InitiativeTrackerLinked(Event):
    """An initiative is tied to an issue of the delivery tracker (Jira): created on commit, or linked.

    The tracker's status changes then move the initiative to in progress and shipped."""

    type: Literal["initiative.tracker_linked"] = "initiative.tracker_linked"
    version: Literal[1] = 1
    data: TrackerLinkedData
    subject: ClassVar[str] = subjects.INITIATIVE_TRACKER_LINKED
    stream: ClassVar[str] = streams.INITIATIVES


class MetricMeasuredData(Contract):
    """A measurement of a success metric; progress = (value - baseline) / (target - baseline)."""

    initiative_id: Id
    owner_team_id: Id
    quarter: Quarter
    metric_name: Title
    value: float = Field(allow_inf_nan=False)
    measured_at: UtcDatetime
    note: Reason | None = None
    baseline: float | None = Field(default=None, allow_inf_nan=False)
    target_value: float | None = Field(default=None, allow_inf_nan=False)
    progress: float | None = Field(
        default=None, allow_inf_nan=False, description="Of the latest measurement; None without both ends."
    )
    recorded_by: Id


class InitiativeMetricMeasured(Event):
    """A new measurement of a briefing's success metric was recorded."""

    type: Literal["initiative.metric_measured"] = "initiative.metric_measured"
    version: Literal[1] = 1
    data: MetricMeasuredData
    subject: ClassVar[str] = subjects.INITIATIVE_METRIC_MEASURED
    stream: ClassVar[str] = streams.INITIATIVES
