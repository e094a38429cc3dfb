"""Product Initiative Briefings, their evidence, dependencies and the directors' ballot."""

from datetime import date
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


class DependencyAnswer(StrEnum):
    accepted = "accepted"
    declined = "declined"


class DependencyRequestedData(Contract):
    dependency_id: Id
    initiative_id: Id
    requesting_team_id: Id
    on_team_id: Id
    on_initiative_id: Id | None = None
    description: Paragraph
    answer_by: date
    requested_by: Id
    initiative_title: Title | None = Field(default=None, description="The requesting initiative's title.")


class InitiativeDependencyRequested(Event):
    type: Literal["initiative.dependency_requested"] = "initiative.dependency_requested"
    version: Literal[1] = 1
    data: DependencyRequestedData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_REQUESTED
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyAnsweredData(Contract):
    dependency_id: Id
    initiative_id: Id
    on_team_id: Id
    answer: DependencyAnswer
    note: Reason | None = None
    answered_by: Id
    requesting_team_id: Id | None = Field(default=None, description="The team that asked.")
    requested_by: Id | None = Field(default=None, description="Who asked: told of the answer.")
    initiative_title: Title | None = None


class InitiativeDependencyAnswered(Event):
    type: Literal["initiative.dependency_answered"] = "initiative.dependency_answered"
    version: Literal[1] = 1
    data: DependencyAnsweredData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_ANSWERED
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyWithdrawnData(Contract):
    dependency_id: Id
    initiative_id: Id
    on_team_id: Id
    reason: Reason
    withdrawn_by: Id


class InitiativeDependencyWithdrawn(Event):
    """The requesting team no longer needs the dependency (e.g. replanned after a decline)."""

    type: Literal["initiative.dependency_withdrawn"] = "initiative.dependency_withdrawn"
    version: Literal[1] = 1
    data: DependencyWithdrawnData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_WITHDRAWN
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyOverdueData(Contract):
    """An open request past its answer-by day: announced once when it becomes overdue, and once more
    (``escalated``) when it is still unanswered the configured number of days later."""

    dependency_id: Id
    initiative_id: Id
    requesting_team_id: Id
    on_team_id: Id
    answer_by: date
    requested_by: Id
    days_overdue: int = Field(ge=1)
    escalated: bool = False
    initiative_title: Title | None = None


class InitiativeDependencyOverdue(Event):
    type: Literal["initiative.dependency_overdue"] = "initiative.dependency_overdue"
    version: Literal[1] = 1
    data: DependencyOverdueData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_OVERDUE
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


class CandidateKind(StrEnum):
    initiative = "initiative"
    project = "project"  # one of Product Ops' own projects, put to the vote beside the initiatives


class BallotCandidate(Contract):
    initiative_id: Id = Field(description="The initiative's id, or the project's (prj-...).")
    title: Title | None = None
    owner_team_id: Id | None = None
    kind: CandidateKind = CandidateKind.initiative


class BallotOpenedData(Contract):
    ballot_id: Id
    quarter: Quarter
    opens_at: UtcDatetime
    closes_at: UtcDatetime
    quorum: int = Field(ge=0)
    candidates: list[BallotCandidate] = Field(max_length=500)
    opened_by: Id


class BallotOpened(Event):
    """The directors' vote window opened (at creation, or when its ``opens_at`` came)."""

    type: Literal["ballot.opened"] = "ballot.opened"
    version: Literal[1] = 1
    data: BallotOpenedData
    subject: ClassVar[str] = subjects.BALLOT_OPENED
    stream: ClassVar[str] = streams.INITIATIVES


class BallotClosingSoonData(Contract):
    ballot_id: Id
    quarter: Quarter
    closes_at: UtcDatetime
    voters: int = Field(ge=0)
    quorum: int = Field(ge=0)
    pending_director_ids: list[Id] = Field(
        max_length=500, description="Directors who have not voted yet: the ones reminded."
    )


class BallotClosingSoon(Event):
    """A ballot closes within the reminder window (24 h by default): once per ballot."""

    type: Literal["ballot.closing_soon"] = "ballot.closing_soon"
    version: Literal[1] = 1
    data: BallotClosingSoonData
    subject: ClassVar[str] = subjects.BALLOT_CLOSING_SOON
    stream: ClassVar[str] = streams.INITIATIVES


class RankedCandidate(Contract):
    initiative_id: Id
    rank: int = Field(ge=1)
    total: int = Field(ge=0)
    votes: int = Field(ge=0)
    average: float = Field(ge=0.0, le=3.0)
    title: Title | None = None
    owner_team_id: Id | None = None
    kind: CandidateKind = CandidateKind.initiative


class CastVote(Contract):
    director_id: Id
    initiative_id: Id
    score: int = Field(ge=1, le=3)
    cast_at: UtcDatetime


class BallotClosedData(Contract):
    ballot_id: Id
    quarter: Quarter
    closed_at: UtcDatetime
    closed_by: Id
    quorum: int = Field(ge=0)
    voters: int = Field(ge=0)
    quorum_met: bool
    ranking: list[RankedCandidate] = Field(max_length=500)
    tie_break: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    audit: list[CastVote] = Field(max_length=10_000, description="Every vote as last cast.")


class BallotClosed(Event):
    """The directors' 1-3 vote on a quarter's candidates closed: ranking and full audit."""

    type: Literal["ballot.closed"] = "ballot.closed"
    version: Literal[1] = 1
    data: BallotClosedData
    subject: ClassVar[str] = subjects.BALLOT_CLOSED
    stream: ClassVar[str] = streams.INITIATIVES


class BallotCandidateAssignedData(Contract):
    ballot_id: Id
    quarter: Quarter
    candidate_id: Id
    kind: CandidateKind
    title: Title | None = None
    rank: int | None = Field(default=None, ge=1)
    owner_member_id: Id
    owner_team_id: Id | None = None
    assigned_by: Id


class BallotCandidateAssigned(Event):
    """After the vote, Product Ops gives a ranked candidate (an initiative or a project) its owner."""

    type: Literal["ballot.candidate_assigned"] = "ballot.candidate_assigned"
    version: Literal[1] = 1
    data: BallotCandidateAssignedData
    subject: ClassVar[str] = subjects.BALLOT_CANDIDATE_ASSIGNED
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
