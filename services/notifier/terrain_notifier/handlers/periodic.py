"""The periodic use cases, one unit of work each: a member's digest, one escalation.

Both are idempotent on their own (deterministic delivery ids, conditional state changes), since the
lease the job runs under can expire mid-run.
"""

from datetime import datetime
from typing import Any

from terrain_contracts.events.insight import Insight
from terrain_contracts.events.notification import Channel, Purpose
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.deliveries import notification_id
from ..domain.messages import digest_message, insight_message, render
from ..domain.policies import after_escalating
from ..domain.routing import escalation_recipients
from ..domain.topics import Topic
from ..store import deliveries, state
from . import fanout
from .context import Context
from .snapshot import Snapshot

MAX_INSIGHT_IDS = 500  # the contract's limit on insight_ids per notification


async def send_digest(uow: UnitOfWork, context: Context, member: str, channel: str, due_at: datetime) -> int:
    """Merge a member's due digest items of one channel and window into one message; returns 1 if sent."""
    items = await state.digest_items(uow, member, channel, due_at)
    if not items:
        return 0
    now = context.now()
    # Items committed after an earlier run of this window make a message of their own.
    item_ids = sorted(item["_id"] for item in items)
    nid = notification_id(Purpose.digest.value, member, channel, due_at.isoformat(), *item_ids)
    message = digest_message([item["summary"] for item in items], context.inbox_link)
    insight_ids = list(dict.fromkeys(i["insight_id"] for i in items if i["insight_id"]))[:MAX_INSIGHT_IDS]
    body = render(Channel(channel), message, nid)
    target = items[-1]["target"]
    doc = deliveries.document(
        nid, Purpose.digest, Channel(channel), member, target, body, now, now, insight_ids=insight_ids
    )
    await deliveries.add(uow, doc)
    await state.close_digest_items(uow, [item["_id"] for item in items], nid)
    return 1


async def escalate(uow: UnitOfWork, context: Context, held: dict[str, Any], now: datetime) -> int:
    """Critical insight nobody acknowledged: first the backups of those notified, then Product Ops.
    Returns 1 if this run moved the escalation on."""
    insight = Insight.model_validate(held["insight"])
    snapshot = await Snapshot.load(uow)
    minutes = context.escalation_minutes(snapshot.rules)
    waited = f"not acknowledged within {minutes:g} min"
    level = held["escalation"]["level"]
    notified = held.get("notified_members", [])
    recipients, reached_level = escalation_recipients(
        level, notified, snapshot.people, snapshot.rules, waited, now
    )
    following = after_escalating(reached_level, now, minutes)
    if not await state.advance_escalation(uow, insight.dedup_key, level, following):
        return 0  # another run moved it on meanwhile
    planned = await fanout.plan(uow, context, insight.severity, recipients, snapshot, now, urgent=True)
    note = f"Nobody acknowledged this critical insight within {minutes:g} minutes."
    reached = await fanout.record(
        uow,
        planned,
        Topic.of_insight(insight),
        Purpose.escalation,
        lambda reasons: insight_message(
            insight,
            reasons,
            Purpose.escalation,
            note=note,
            link=context.page(f"/insights/{insight.insight_id}"),
        ),
        now,
        (insight.dedup_key, insight.insight_id, insight.version, reached_level),
    )
    await state.save_situation(uow, insight.dedup_key, {"escalated_at": now}, add_notified=reached)
    metrics.ESCALATIONS.labels(str(reached_level)).inc()
    return 1
