"""An insight arrives (detected, updated, resolved): de-duplicate, route, record the notifications."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from terrain_contracts import Event
from terrain_contracts.events.insight import Insight, InsightStatus, Severity
from terrain_contracts.events.notification import Purpose

from .. import metrics
from ..domain.messages import insight_message
from ..domain.policies import decide
from ..domain.routing import Recipient, route
from ..domain.rules import Rules
from ..store import state
from . import Context, fanout
from .snapshot import Snapshot

log = logging.getLogger(__name__)


async def on_insights(events: list[Event], uow, ctx: Context) -> None:
    """A fetched batch, in order; routing reads (rules, directory, subscriptions) are loaded once for it."""
    snapshot: list[Snapshot] = []

    async def shared() -> Snapshot:
        if not snapshot:
            snapshot.append(await Snapshot.load(uow))
        return snapshot[0]

    for event in events:
        await on_insight(event, event.data.insight, uow, ctx, shared)


async def on_insight(
    event: Event, insight: Insight, uow, ctx: Context, shared: Callable[[], Awaitable[Snapshot]]
) -> None:
    now = ctx.clock()
    previous, held = await state.situation(uow, insight.dedup_key)
    decision = decide(previous, insight)
    if decision.stale:
        metrics.INSIGHTS.labels("stale").inc()
        return
    fields: dict[str, Any] = {
        "insight_id": insight.insight_id,
        "version": insight.version,
        "status": insight.status.value,
        "insight": insight.model_dump(mode="json"),
        "updated_at": now,
    }
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
    recipients = route(insight, snapshot.people, snapshot.rules, snapshot.subscriptions, now)
    planned = await fanout.plan(uow, ctx, insight.severity, recipients, snapshot, now)
    reached = await fanout.record(
        uow,
        planned,
        insight,
        Purpose.insight,
        lambda reasons: insight_message(insight, reasons, link=ctx.inbox_link),
        now,
        (insight.dedup_key, insight.insight_id, insight.version),
        cause=event,
    )
    # Escalations go to the backups of those on duty for it, not of those who merely subscribed.
    on_duty = {
        r.member_id
        for r in recipients
        if r.member_id and not all(reason.startswith("subscription ") for reason in r.reasons)
    }
    reached = [member for member in reached if member in on_duty]
    if not recipients:
        log.warning(
            "insight routed to nobody: no owner and no Product Ops member known",
            extra={"insight_id": insight.insight_id, "product_area": insight.product_area},
        )
    metrics.INSIGHTS.labels("notified" if recipients else "unrouted").inc()
    escalation = (held or {}).get("escalation")
    if insight.severity is Severity.critical and escalation is None:
        escalation = {
            "level": 1,
            "due_at": now + timedelta(minutes=escalation_minutes(snapshot.rules, ctx)),
            "started_at": now,
        }
    await state.save_situation(
        uow,
        insight.dedup_key,
        {
            **fields,
            "notified_severity": insight.severity.value,
            "notified_at": now,
            "escalation": escalation,
            "acknowledged_at": None,
            "decision": decision.reason,
        },
        add_notified=reached,
    )
    uow.after_commit(ctx.wake)


def escalation_minutes(rules: Rules, ctx: Context) -> float:
    return rules.escalation_minutes or ctx.settings.policy.escalation_minutes


async def dry_run(uow, ctx: Context, insight: Insight, now: datetime) -> dict[str, Any]:
    """Who would receive this insight, and why, with each channel's timing; nothing is recorded."""
    previous, _ = await state.situation(uow, insight.dedup_key)
    decision = decide(previous, insight)
    snapshot = await Snapshot.load(uow)
    recipients = route(insight, snapshot.people, snapshot.rules, snapshot.subscriptions, now)
    planned = await fanout.plan(uow, ctx, insight.severity, recipients, snapshot, now, dry_run=True)
    return {
        "would_notify": decision.notify,
        "decision": decision.reason,
        "recipients": [
            _view(r, [p for p in planned if p.recipient is r], snapshot.people) for r in recipients
        ],
    }


def _view(recipient: Recipient, planned: list[fanout.Planned], people) -> dict[str, Any]:
    name = people.person(recipient.member_id).name if recipient.member_id else recipient.endpoint
    return {
        "member_id": recipient.member_id,
        "endpoint": recipient.endpoint,
        "name": name,
        "reasons": recipient.reasons,
        "channels": [p.view() for p in planned],
    }
