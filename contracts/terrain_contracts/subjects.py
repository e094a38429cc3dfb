"""Every subject Terrain publishes on: ``terrain.<aggregate>.<past-tense-verb>.v<N>``.

No subject string literal appears anywhere else in the code base.
"""

PREFIX = "terrain"

ACCOUNT_UPDATED = "terrain.account.updated.v1"

FEEDBACK_SUBMITTED = "terrain.feedback.submitted.v1"
FEEDBACK_INGESTED = "terrain.feedback.ingested.v1"
FEEDBACK_REJECTED = "terrain.feedback.rejected.v1"
FEEDBACK_ERASED = "terrain.feedback.erased.v1"
FEEDBACK_CLASSIFIED = "terrain.feedback.classified.v1"

TEAM_CREATED = "terrain.team.created.v1"
TEAM_UPDATED = "terrain.team.updated.v1"
TEAM_DELETED = "terrain.team.deleted.v1"
TEAM_MEMBER_JOINED = "terrain.team.member_joined.v1"
TEAM_MEMBER_UPDATED = "terrain.team.member_updated.v1"
TEAM_MEMBER_LEFT = "terrain.team.member_left.v1"
TEAM_AREA_ASSIGNED = "terrain.team.area_assigned.v1"
TEAM_AREA_RELEASED = "terrain.team.area_released.v1"

INITIATIVE_CREATED = "terrain.initiative.created.v1"
INITIATIVE_UPDATED = "terrain.initiative.updated.v1"
INITIATIVE_STATUS_CHANGED = "terrain.initiative.status_changed.v1"
INITIATIVE_SHIPPED = "terrain.initiative.shipped.v1"
INITIATIVE_DROPPED = "terrain.initiative.dropped.v1"
INITIATIVE_FEEDBACK_LINKED = "terrain.initiative.feedback_linked.v1"
INITIATIVE_FEEDBACK_UNLINKED = "terrain.initiative.feedback_unlinked.v1"
INITIATIVE_DEPENDENCY_REQUESTED = "terrain.initiative.dependency_requested.v1"
INITIATIVE_DEPENDENCY_ANSWERED = "terrain.initiative.dependency_answered.v1"
INITIATIVE_DEPENDENCY_WITHDRAWN = "terrain.initiative.dependency_withdrawn.v1"
INITIATIVE_DEPENDENCY_OVERDUE = "terrain.initiative.dependency_overdue.v1"
INITIATIVE_CYCLE_PHASE_CHANGED = "terrain.initiative.cycle_phase_changed.v1"
INITIATIVE_METRIC_MEASURED = "terrain.initiative.metric_measured.v1"
BALLOT_CLOSED = "terrain.ballot.closed.v1"
BALLOT_OPENED = "terrain.ballot.opened.v1"
BALLOT_CLOSING_SOON = "terrain.ballot.closing_soon.v1"
BALLOT_CANDIDATE_ASSIGNED = "terrain.ballot.candidate_assigned.v1"
INITIATIVE_TRACKER_LINKED = "terrain.initiative.tracker_linked.v1"

INSIGHT_DETECTED = "terrain.insight.detected.v1"
INSIGHT_UPDATED = "terrain.insight.updated.v1"
INSIGHT_RESOLVED = "terrain.insight.resolved.v1"

NOTIFICATION_DELIVERED = "terrain.notification.delivered.v1"
NOTIFICATION_FAILED = "terrain.notification.failed.v1"
NOTIFICATION_LOOP_CLOSED = "terrain.notification.loop_closed.v1"

# Dead letters: terrain.deadletter.<service>.<durable consumer>
DEADLETTER_PREFIX = "terrain.deadletter"
DEADLETTER_ALL = "terrain.deadletter.>"


def deadletter(service: str, durable: str) -> str:
    return f"{DEADLETTER_PREFIX}.{service}.{durable}"


def wildcard(aggregate: str) -> str:
    """All subjects of one aggregate, e.g. ``terrain.team.>``."""
    return f"{PREFIX}.{aggregate}.>"
