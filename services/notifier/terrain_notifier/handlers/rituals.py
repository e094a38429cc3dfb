"""A planning event arrives (dependency requested, answered, overdue; the quarter's phase changed; a ballot
opened, closes soon, closed): who hears of it and why, then the same planning and recording as insights
(preferences, quiet hours, digests, throttle, inbox, deterministic ids).

Delivery records carry ``purpose`` ``insight`` (the contract's ``Purpose`` has no planning value, and adding
one is a breaking change) and ``ritual`` naming the planning event.
"""

import logging
from dataclasses import dataclass

from terrain_contracts import Event
from terrain_contracts.events.ballot import (
    BallotCandidateAssigned,
    BallotClosed,
    BallotClosingSoon,
    BallotOpened,
)
from terrain_contracts.events.dependency import (
    InitiativeDependencyAnswered,
    InitiativeDependencyOverdue,
    InitiativeDependencyRequested,
)
from terrain_contracts.events.initiative import InitiativeCyclePhaseChanged
from terrain_contracts.events.notification import Purpose
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain import ritual_topics, rituals
from ..domain.messages import ritual_message
from ..domain.routing import Directory, Recipient, hand_over
from ..domain.rules import Rules
from ..domain.topics import Topic
from . import fanout
from .context import Context
from .snapshot import Snapshot

log = logging.getLogger(__name__)

# One consumer per aggregate (the kit filters a consumer on one subject wildcard).
PLANNING_EVENTS = (
    InitiativeDependencyRequested,
    InitiativeDependencyAnswered,
    InitiativeDependencyOverdue,
    InitiativeCyclePhaseChanged,
)
BALLOT_EVENTS = (BallotOpened, BallotClosingSoon, BallotClosed, BallotCandidateAssigned)


@dataclass(frozen=True)
class Decided:
    topic: Topic
    recipients: list[Recipient]


def decide(event: Event, people: Directory, rules: Rules) -> Decided:
    """The topic and the recipients (before hand-over to backups) of one planning event."""
    match event:
        case InitiativeDependencyRequested(data=data):
            return Decided(ritual_topics.requested(data), rituals.requested(data, people, rules))
        case InitiativeDependencyAnswered(data=data):
            return Decided(ritual_topics.answered(data), rituals.answered(data, people))
        case InitiativeDependencyOverdue(data=data):
            return Decided(ritual_topics.overdue(data), rituals.overdue(data, people, rules))
        case InitiativeCyclePhaseChanged(data=data):
            return Decided(ritual_topics.phase_changed(data), rituals.phase_changed(data, people))
        case BallotOpened(data=data):
            return Decided(ritual_topics.ballot_opened(data), rituals.ballot_opened(data, people))
        case BallotClosingSoon(data=data):
            return Decided(ritual_topics.closing_soon(data), rituals.closing_soon(data, people))
        case BallotClosed(data=data):
            return Decided(ritual_topics.ballot_closed(data), rituals.ballot_closed(data, people))
        case BallotCandidateAssigned(data=data):
            return Decided(ritual_topics.assigned(data), rituals.assigned(data, people))
    raise TypeError(f"not a planning event: {event.type}")


async def on_ritual(uow: UnitOfWork, context: Context, event: Event) -> list[str]:
    """Record the notifications of one planning event; returns the members reached. A redelivered event
    records nothing new (ids are derived from the event id, recipient and channel)."""
    now = context.now()
    snapshot = await Snapshot.load(uow)
    decided = decide(event, snapshot.people, snapshot.rules)
    topic = decided.topic
    recipients = hand_over(decided.recipients, snapshot.people, snapshot.rules, now)
    planned = await fanout.plan(uow, context, topic.severity, recipients, snapshot, now)
    reached = await fanout.record(
        uow,
        planned,
        topic,
        Purpose.insight,
        lambda reasons: ritual_message(topic, reasons, link=context.topic_page(topic.key)),
        now,
        (topic.ritual, event.id),
        cause=event,
    )
    metrics.RITUALS.labels(topic.ritual or "?", "notified" if recipients else "unrouted").inc()
    if not recipients:
        log.info("planning event routed to nobody", extra={"ritual": topic.ritual, "key": topic.key})
    uow.after_commit(context.wake)
    return reached
