"""Every event contract, by subject: the source for schemas, tooling and replay."""

from .envelope import Event
from .events import account, ballot, dependency, feedback, initiative, insight, notification, team

# Who publishes what: the one list the NATS permissions, the AsyncAPI documents and each service's outbox
# follow. A service's outbox refuses an event not listed for it, so a new event cannot reach production
# without its permission. "tools" are the Sales/CS tools outside Terrain.
PUBLISHED_BY: dict[str, tuple[type[Event], ...]] = {
    "tools": (feedback.FeedbackSubmitted, account.AccountUpdated),
    "feedback": (
        feedback.FeedbackIngested,
        feedback.FeedbackRejected,
        feedback.FeedbackErased,
        account.AccountUpdated,  # an account changed through its API is announced like a CRM would
    ),
    "initiatives": (
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
        dependency.InitiativeDependencyRequested,
        dependency.InitiativeDependencyAnswered,
        dependency.InitiativeDependencyWithdrawn,
        ballot.BallotClosed,
        dependency.InitiativeDependencyOverdue,
        initiative.InitiativeCyclePhaseChanged,
        ballot.BallotOpened,
        ballot.BallotClosingSoon,
        ballot.BallotCandidateAssigned,
        initiative.InitiativeTrackerLinked,
        initiative.InitiativeMetricMeasured,
    ),
    "insights": (
        feedback.FeedbackClassified,
        insight.InsightDetected,
        insight.InsightUpdated,
        insight.InsightResolved,
    ),
    "notifier": (
        notification.NotificationDelivered,
        notification.NotificationFailed,
        notification.NotificationLoopClosed,
    ),
}


# Every event contract, each once, in the order of its first publisher.
EVENTS: tuple[type[Event], ...] = tuple(dict.fromkeys(e for events in PUBLISHED_BY.values() for e in events))

BY_SUBJECT: dict[str, type[Event]] = {event.subject: event for event in EVENTS}


def published_by(producer: str) -> tuple[type[Event], ...]:
    """The events ``producer`` (a service, or "tools") may publish."""
    return PUBLISHED_BY[producer]


def type_name(event: type[Event]) -> str:
    return event.model_fields["type"].default


def version_of(event: type[Event]) -> int:
    return event.model_fields["version"].default
