"""Watches every event on the bus (a core NATS subscription on terrain.>) and tells the story.

It counts what happened, keeps the insights and deliveries, and measures end-to-end latency:
each notification carries the correlation id of the feedback that caused it, so the time from
that feedback's submission to the notification's delivery is known.
"""

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats
from nats.aio.msg import Msg
from terrain_contracts import DeadLetter, subjects
from terrain_contracts.events.ballot import BallotClosed
from terrain_contracts.events.dependency import InitiativeDependencyAnswered, InitiativeDependencyRequested
from terrain_contracts.events.feedback import FeedbackIngested, FeedbackRejected
from terrain_contracts.events.initiative import InitiativeShipped, InitiativeStatusChanged
from terrain_contracts.events.insight import Insight, InsightDetected, InsightUpdated
from terrain_contracts.events.notification import NotificationDelivered, NotificationLoopClosed
from terrain_contracts.registry import BY_SUBJECT

from . import org

NAMES = {person.member_id: person.name for team in org.TEAMS for person in team.members}
# Sales/CS reps are told in the staff's text; the other reporters are customers (the customer's text).
REPS = {rep.email: rep.name for rep in org.REPORTERS}


def euros(minor: float) -> str:
    return f"€{minor / 100_000:,.0f}k"


@dataclass
class Observer:
    say: Callable[[str], None]
    explain: Callable[[str], Awaitable[list[str]]] | None = None  # notification id -> routing reasons
    verbose: bool = False  # narrate every ingested item (the live phase) or only count them (history)
    counts: Counter = field(default_factory=Counter)
    insights: dict[str, Insight] = field(default_factory=dict)
    delivered: list = field(default_factory=list)
    loops: list = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)  # feedback ids reps logged through POST /v1/feedback
    dead_letters: list[DeadLetter] = field(default_factory=list)
    rejected: list = field(default_factory=list)
    submitted_at: dict[str, float] = field(default_factory=dict)  # correlation id -> when published
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (insight kind, seconds)
    _connection: nats.NATS | None = None

    async def start(self, url: str) -> None:
        self._connection = await nats.connect(url)
        await self._connection.subscribe(f"{subjects.PREFIX}.>", cb=self._on_message)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.drain()

    def submitted(self, correlation_id: str) -> None:
        self.submitted_at[correlation_id] = time.time()

    async def _on_message(self, msg: Msg) -> None:
        if msg.subject.startswith(subjects.DEADLETTER_PREFIX):
            record = DeadLetter.model_validate_json(msg.data)
            self.dead_letters.append(record)
            self.say(f"[dead letter] {record.consumer}: {record.reason[:140]}")
            return
        event_type = BY_SUBJECT.get(msg.subject)
        if event_type is None:
            return
        try:
            event = event_type.parse(msg.data)
        except ValueError:
            return  # a malformed submission on the bus: its dead letter tells the story
        self.counts[event_type.__name__] += 1
        handler = getattr(self, f"_{event_type.__name__}", None)
        if handler is not None:
            result = handler(event)
            if result is not None:
                await result

    def _FeedbackIngested(self, event: FeedbackIngested) -> None:
        data = event.data
        if data.duplicate_of is not None:
            self.counts["duplicates"] += 1
        if not self.verbose:
            return
        account = (
            f"{data.account.name} ({euros(data.account.arr.amount_minor)})"
            if data.account and data.account.arr
            else (data.account.name if data.account else "unknown account")
        )
        duplicate = (
            f"; duplicate of {data.duplicate_of.feedback_id} ({data.duplicate_of.similarity:.2f})"
            if data.duplicate_of
            else ""
        )
        self.say(f'[feedback] {data.source:<10} {account}: "{data.text[:70]}"{duplicate}')

    def _FeedbackRejected(self, event: FeedbackRejected) -> None:
        self.rejected.append(event.data)
        problems = "; ".join(f"{e.field}: {e.message}" for e in event.data.errors)[:140]
        self.say(f"[rejected] {event.data.channel.value} input refused: {problems}")

    def _InsightDetected(self, event: InsightDetected) -> None:
        self._insight(event.data.insight, "new")

    def _InsightUpdated(self, event: InsightUpdated) -> None:
        self._insight(event.data.insight, "update")

    def _insight(self, insight: Insight, change: str) -> None:
        self.insights[insight.insight_id] = insight
        self.say(f"[insight {change}] {insight.kind.value} ({insight.severity.value}): {insight.title}")
        if change == "new":
            self.say(f"      {insight.summary[:240]}")

    async def _NotificationDelivered(self, event: NotificationDelivered) -> None:
        data = event.data
        self.delivered.append(data)
        who = NAMES.get(data.recipient_id, data.recipient_id)
        about = ", ".join(self.insights[i].title for i in data.insight_ids if i in self.insights)[:90]
        planning = data.purpose.value == "insight" and not data.insight_ids  # the quarter narrates those
        if data.purpose.value != "loop_closure" and not planning:
            reasons = await self.explain(data.notification_id) if self.explain else []
            why = f" - why: {'; '.join(dict.fromkeys(reasons))[:220]}" if reasons else ""
            self.say(f"[notified] {who} by {data.channel.value}: {about}{why}")
        started = self.submitted_at.get(event.correlation_id or "")
        if started is not None and data.insight_ids:
            kind = self.insights.get(data.insight_ids[0])
            self.latencies.append((kind.kind.value if kind else "insight", time.time() - started))

    def _NotificationLoopClosed(self, event: NotificationLoopClosed) -> None:
        self.loops.append(event.data)
        email = event.data.reporter_email
        who = f"rep {REPS[email]} ({email})" if email in REPS else f"customer {email}"
        self.say(
            f"[loop closed] {who} was told that {event.data.initiative_id} shipped "
            f"(feedback {event.data.feedback_id})"
        )

    def _InitiativeStatusChanged(self, event: InitiativeStatusChanged) -> None:
        data = event.data
        self.say(
            f"[initiative] '{data.initiative.title}': {data.from_status.value} -> {data.to_status.value}"
        )

    def _InitiativeShipped(self, event: InitiativeShipped) -> None:
        self.say(
            f"[initiative] '{event.data.initiative.title}' shipped with "
            f"{len(event.data.linked_feedback_ids)} linked feedback items"
        )

    def _InitiativeDependencyRequested(self, event: InitiativeDependencyRequested) -> None:
        self.say(
            f"[dependency] {event.data.requesting_team_id} asks {event.data.on_team_id}: "
            f"{event.data.description[:90]}"
        )

    def _InitiativeDependencyAnswered(self, event: InitiativeDependencyAnswered) -> None:
        self.say(f"[dependency] {event.data.on_team_id} {event.data.answer.value}: {event.data.note or ''}")

    def _BallotClosed(self, event: BallotClosed) -> None:
        data = event.data
        ranking = ", ".join(f"#{r.rank} {r.title or r.initiative_id} ({r.total} pts)" for r in data.ranking)
        self.say(
            f"[vote] ballot {data.quarter} closed, {data.voters} directors voted (quorum "
            f"{'met' if data.quorum_met else 'missed'}): {ranking}"
        )
