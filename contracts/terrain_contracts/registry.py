"""Every event contract, by subject: the source for schemas, tooling and replay."""

from .envelope import Event
from .events import account, feedback, initiative, insight, notification, team

EVENTS: tuple[type[Event], ...] = (
    account.AccountUpdated,
    feedback.FeedbackSubmitted,
    feedback.FeedbackIngested,
    feedback.FeedbackRejected,
    feedback.FeedbackErased,
    feedback.FeedbackClassified,
    team.TeamCreated,
    team.TeamUpdated,
    team.TeamMemberJoined,
    team.TeamMemberUpdated,
    team.TeamMemberLeft,
    team.TeamAreaAssigned,
    team.TeamAreaReleased,
    team.TeamDeleted,
    initiative.InitiativeCreated,
    initiative.InitiativeUpdated,
    initiative.InitiativeStatusChanged,
    initiative.InitiativeShipped,
    initiative.InitiativeDropped,
    initiative.InitiativeFeedbackLinked,
    initiative.InitiativeFeedbackUnlinked,
    initiative.InitiativeDependencyRequested,
    initiative.InitiativeDependencyAnswered,
    initiative.InitiativeDependencyWithdrawn,
    initiative.BallotClosed,
    insight.InsightDetected,
    insight.InsightUpdated,
    insight.InsightResolved,
    notification.NotificationDelivered,
    notification.NotificationFailed,
    notification.NotificationLoopClosed,
)

BY_SUBJECT: dict[str, type[Event]] = {event.subject: event for event in EVENTS}


def type_name(event: type[Event]) -> str:
    return event.model_fields["type"].default


def version_of(event: type[Event]) -> int:
    return event.model_fields["version"].default
