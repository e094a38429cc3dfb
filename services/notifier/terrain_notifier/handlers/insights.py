"""An insight arrives (detected, updated, resolved): de-duplicate, route, record the notifications."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from terrain_contracts import Event
from terrain_contracts.events.insight import (
    Insight,
    InsightDetected,
    InsightResolved,
    InsightStatus,
    InsightUpdated,
)
from terrain_contracts.events.notification import Purpose
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.messages import insight_message
from ..domain.planning import Planned
from ..domain.policies import decide, escalation_for
from ..domain.routing import Directory, Recipient, on_duty, route
from ..domain.topics import Topic
from ..store import state
from . import fanout
from .context import Context
from .snapshot import Snapshot

log = logging.getLogger(__name__)


async def on_insights(
    uow: UnitOfWork, context: Context, events: list[InsightDetected | InsightUpdated | InsightResolved]
) -> None:
    """A fetched batch, in order; routing reads (rules, directory, subscriptions) are loaded once for it."""
    snapshot: list[Snapshot] = []

    async def shared() -> Snapshot:
        if not snapshot:
            snapshot.append(await Snapshot.load(uow))
        return snapshot[0]

    for event in events:
        await on_insight(uow, context, event, event.data.insight, shared)


async def on_insight(
    uow: UnitOfWork,
    context: Context,
    event: Event,
    insight: Insight,
    shared: Callable[[], Awaitable[Snapshot]],
) -> None:
    now = context.now()
    previous, held = await state.situation(uow, insight.dedup_key)
    decision = decide(previous, insight)
    if decision.stale:
        metrics.INSIGHTS.labels("stale").inc()
        return
    fields = state.situation_fields(insight, now)
    if insight.status is not InsightStatus.open:
        # Acknowledged or resolved: whatever escalation was pending is cancelled.
        await state.save_situation(uow, insight.dedup_key, {**fields, "escalation": None})
        metrics.INSIGHTS.labels("closed").inc()
        return
    if not decision.notify:
        await state.save_situation(uow, insight.dedup_key, fields)
        metrics.INSIGHTS.labels("deduplicated").inc()
        return
    snapshot = await shared()
    reached = await _notify(uow, context, event, insight, snapshot, now)
    escalation = escalation_for(held, insight.severity, now, context.escalation_minutes(snapshot.rules))
    notified = state.notified_fields(insight, now, escalation, decision.reason)
    await state.save_situation(uow, insight.dedup_key, {**fields, **notified}, add_notified=reached)
    uow.after_commit(context.wake)


async def _notify(
    uow: UnitOfWork, context: Context, event: Event, insight: Insight, snapshot: Snapshot, now: datetime
) -> list[str]:
    """Route a situation to be notified and record its notifications; returns the members reached on
    duty (escalations go to their backups, not to the backups of those who merely subscribed)."""
    recipients = route(insight, snapshot.people, snapshot.rules, snapshot.subscriptions, now)
    planned = await fanout.plan(uow, context, insight.severity, recipients, snapshot, now)
    reached = await fanout.record(
        uow,
        planned,
        Topic.of_insight(insight),
        Purpose.insight,
        lambda reasons: insight_message(
            insight, reasons, link=context.page(f"/insights/{insight.insight_id}")
        ),
        now,
        (insight.dedup_key, insight.insight_id, insight.version),
        cause=event,
    )
    if not recipients:
        log.warning(
            "insight routed to nobody: no owner and no Product Ops member known",
            extra={"insight_id": insight.insight_id, "product_area": insight.product_area},
        )
    metrics.INSIGHTS.labels("notified" if recipients else "unrouted").inc()
    duty = on_duty(recipients)
    return [member for member in reached if member in duty]


async def dry_run(uow: UnitOfWork, context: Context, insight: Insight, now: datetime) -> dict[str, Any]:
    """Who would receive this insight, and why, with each channel's timing; nothing is recorded."""
    previous, _ = await state.situation(uow, insight.dedup_key)
    decision = decide(previous, insight)
    snapshot = await Snapshot.load(uow)
    recipients = route(insight, snapshot.people, snapshot.rules, snapshot.subscriptions, now)
    planned = await fanout.plan(uow, context, insight.severity, recipients, snapshot, now, dry_run=True)
    return {
        "would_notify": decision.notify,
        "decision": decision.reason,
        "recipients": [
            _view(r, [p for p in planned if p.recipient is r], snapshot.people) for r in recipients
        ],
    }


def _view(recipient: Recipient, planned: list[Planned], people: Directory) -> dict[str, Any]:
    name = people.person(recipient.member_id).name if recipient.member_id else recipient.endpoint
    return {
        "member_id": recipient.member_id,
        "endpoint": recipient.endpoint,
        "name": name,
        "reasons": recipient.reasons,
        "channels": [p.view() for p in planned],
    }
