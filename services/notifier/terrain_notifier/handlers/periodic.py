"""Periodic work, run on one replica at a time under a lease: digests and escalations.

Both are idempotent on their own as well (deterministic delivery ids,
conditional state changes), since a lease can expire mid-run.
"""

from datetime import datetime, timedelta
from typing import Any

from terrain_contracts.events.insight import Insight
from terrain_contracts.events.notification import Channel, Purpose
from terrain_kit.uow import Transactions

from .. import metrics
from ..domain.messages import digest_message, insight_message, render
from ..domain.routing import Recipient
from ..store import deliveries, state
from . import Context, fanout, notification_id
from .insights import escalation_minutes
from .snapshot import Snapshot

MAX_INSIGHT_IDS = 500  # the contract's limit on insight_ids per notification


async def send_digests(transactions: Transactions, ctx: Context) -> int:
    """Merge each member's due digest items (per channel and window) into one message."""
    now = ctx.clock()
    made = 0
    for group in await state.due_digest_groups(transactions.db, now):
        member, channel, due_at = group["_id"]["member_id"], group["_id"]["channel"], group["_id"]["due_at"]

        async def work(uow, member=member, channel=channel, due_at=due_at) -> int:
            items = await state.digest_items(uow, member, channel, due_at)
            if not items:
                return 0
            # Items committed after an earlier run of this window make a message of their own.
            nid = notification_id(
                Purpose.digest.value,
                member,
                channel,
                due_at.isoformat(),
                *sorted(item["_id"] for item in items),
            )
            message = digest_message([item["summary"] for item in items], ctx.inbox_link)
            insight_ids = list(dict.fromkeys(item["insight_id"] for item in items))[:MAX_INSIGHT_IDS]
            await deliveries.add(
                uow,
                fanout.delivery_doc(
                    nid,
                    Purpose.digest,
                    Channel(channel),
                    member,
                    items[-1]["target"],
                    render(Channel(channel), message, nid),
                    now,
                    now,
                    insight_ids=insight_ids,
                ),
            )
            await state.close_digest_items(uow, [item["_id"] for item in items], nid)
            return 1

        made += await transactions.run(work)
    if made:
        ctx.wake()
    return made


async def escalate(transactions: Transactions, ctx: Context) -> int:
    """Critical insights nobody acknowledged: first the backups of those notified, then Product Ops."""
    now = ctx.clock()
    done = 0
    for held in await state.due_escalations(transactions.db, now):
        done += await transactions.run(lambda uow, held=held: _escalate_one(uow, ctx, held, now))
    if done:
        ctx.wake()
    return done


async def _escalate_one(uow, ctx: Context, held: dict[str, Any], now: datetime) -> int:
    insight = Insight.model_validate(held["insight"])
    snapshot = await Snapshot.load(uow)
    rules, people = snapshot.rules, snapshot.people
    minutes = escalation_minutes(rules, ctx)
    waited = f"not acknowledged within {minutes:g} min"
    level = held["escalation"]["level"]
    notified = held.get("notified_members", [])
    recipients: list[Recipient] = []
    if level == 1:
        for member in notified:
            backup = people.person(member).backup_member_id
            if backup and backup not in notified and not people.person(backup).away(now):
                recipients.append(
                    Recipient(member_id=backup, reasons=[f"escalation: {waited}; backup of {member}"])
                )
    reached_level = level if recipients else 2
    if not recipients:
        recipients = [
            Recipient(member_id=m, reasons=[f"escalation: {waited}; Product Ops"])
            for m in people.product_ops(rules)
        ]
    following = (
        {"level": 2, "due_at": now + timedelta(minutes=minutes), "started_at": now}
        if reached_level == 1
        else None
    )
    if not await state.advance_escalation(uow, insight.dedup_key, level, following):
        return 0  # another run moved it on meanwhile
    planned = await fanout.plan(uow, ctx, insight.severity, recipients, snapshot, now, urgent=True)
    note = f"Nobody acknowledged this critical insight within {minutes:g} minutes."
    reached = await fanout.record(
        uow,
        planned,
        insight,
        Purpose.escalation,
        lambda reasons: insight_message(insight, reasons, Purpose.escalation, note=note, link=ctx.inbox_link),
        now,
        (insight.dedup_key, insight.insight_id, insight.version, reached_level),
    )
    await state.save_situation(uow, insight.dedup_key, {"escalated_at": now}, add_notified=reached)
    metrics.ESCALATIONS.labels(str(reached_level)).inc()
    return 1
