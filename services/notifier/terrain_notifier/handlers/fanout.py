"""From recipients to recorded deliveries: channels per recipient, then timing (now, held, digest).

Nothing here calls the outside world. Push deliveries are recorded as
pending and sent by the dispatcher; the in-app inbox is written at once.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from terrain_contracts import Event
from terrain_contracts.events.insight import Severity
from terrain_contracts.events.notification import (
    Channel,
    NotificationDelivered,
    NotificationDeliveredData,
    Purpose,
)
from terrain_kit.telemetry import current_trace_headers
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.deliveries import DELIVERED, notification_id
from ..domain.members import Preferences
from ..domain.messages import Message, render
from ..domain.planning import Planned, channels_of, for_endpoint, push, target_of, throttled, to_inbox
from ..domain.policies import Timing, plan_push, throttle_window
from ..domain.routing import Recipient
from ..domain.topics import Topic
from ..store import deliveries, state
from .context import Context
from .snapshot import Snapshot


def flow_of(uow: UnitOfWork, cause: Event | None) -> dict[str, Any]:
    """What a delivery keeps of its causing event, so the dispatcher's events join that flow and trace."""
    if cause is None:
        return {}
    trace = uow.trace_of(cause.id) or current_trace_headers()
    return {"correlation_id": cause.correlation_id, "cause_id": str(cause.id), "trace": trace}


async def plan(
    uow: UnitOfWork,
    context: Context,
    severity: Severity,
    recipients: list[Recipient],
    snapshot: Snapshot,
    now: datetime,
    urgent: bool = False,
    dry_run: bool = False,
) -> list[Planned]:
    """Channels and timing per recipient. Counts throttle slots unless ``dry_run``."""
    prefs = await snapshot.preferences(uow, [r.member_id for r in recipients if r.member_id])
    planned: list[Planned] = []
    for recipient in recipients:
        if recipient.member_id is None:
            planned.append(for_endpoint(recipient, recipient.endpoint or "", snapshot.rules, now))
            continue
        chosen = prefs.get(recipient.member_id) or Preferences()
        email = snapshot.people.person(recipient.member_id).email
        for channel in channels_of(chosen, snapshot.rules):
            if channel is Channel.inbox:
                planned.append(to_inbox(recipient, recipient.member_id, now))
                continue
            target, missing = target_of(channel, chosen, email)
            if target is None:
                planned.append(Planned(recipient, channel, None, None, missing))
                continue
            sent = 0
            if throttled(chosen, urgent):
                sent = await _sent_in_window(uow, context, recipient.member_id, channel, now, dry_run)
            policy = context.settings.policy
            worst = Severity.critical if urgent else severity
            decided = plan_push(chosen, worst, sent, policy.throttle_max, now, policy.daily_digest_hour)
            planned.append(push(recipient, channel, target, decided))
    return planned


async def _sent_in_window(
    uow: UnitOfWork, context: Context, member_id: str, channel: Channel, now: datetime, dry_run: bool
) -> int:
    """Immediate notifications sent before this one in the member's throttle window (this one counted)."""
    start, window = throttle_window(now, context.settings.policy.throttle_window_minutes)
    if dry_run:
        return await deliveries.slots_taken(uow, member_id, channel.value, start)
    return await deliveries.take_slot(uow, member_id, channel.value, start, window)


async def record(
    uow: UnitOfWork,
    planned: list[Planned],
    topic: Topic,
    purpose: Purpose,
    compose: Callable[[list[str]], Message],
    now: datetime,
    id_scope: tuple[object, ...],
    cause: Event | None = None,
) -> list[str]:
    """Record every planned notification (``compose`` writes it from the recipient's reasons).

    Returns the members reached, whatever the channel and timing."""
    reached: list[str] = []
    for item in planned:
        if item.timing is None:
            continue
        metrics.PLANNED.labels(item.channel.value, item.timing.value).inc()
        recipient = item.recipient
        nid = notification_id(purpose.value, *id_scope, recipient.key, item.channel.value)
        refs = {
            **topic.refs(),
            "reasons": recipient.reasons,
            "timing": item.timing.value,
            "why": item.why,
            **flow_of(uow, cause),
        }
        message = compose(recipient.reasons)
        if recipient.member_id:
            reached.append(recipient.member_id)
            if item.channel is Channel.inbox:
                await _to_inbox(uow, nid, recipient.member_id, topic, purpose, message, refs, now, cause)
                continue
            if item.timing is Timing.digest:
                await _to_digest(uow, nid, recipient.member_id, item, topic, now)
                continue
        recipient_id = recipient.member_id or recipient.endpoint or ""
        body = render(item.channel, message, nid)
        doc = deliveries.document(
            nid, purpose, item.channel, recipient_id, item.target or {}, body, now, item.at or now, **refs
        )
        await deliveries.add(uow, doc)
    return list(dict.fromkeys(reached))


async def _to_digest(
    uow: UnitOfWork, nid: str, member_id: str, item: Planned, topic: Topic, now: datetime
) -> None:
    reasons = item.recipient.reasons
    digest = state.digest_item(nid, member_id, item.channel.value, item.target, item.at, topic, reasons, now)
    await state.add_digest_item(uow, digest)


async def _to_inbox(
    uow: UnitOfWork,
    nid: str,
    member_id: str,
    topic: Topic,
    purpose: Purpose,
    message: Message,
    refs: dict[str, Any],
    now: datetime,
    cause: Event | None,
) -> None:
    """The inbox is ours: written in this transaction, delivered at once, recorded like any delivery."""
    body = render(Channel.inbox, message, nid)
    item = state.inbox_item(nid, member_id, topic, purpose.value, body, refs["reasons"], now)
    if not await state.add_inbox_item(uow, item):
        return
    target = {"member_id": member_id}
    doc = deliveries.document(nid, purpose, Channel.inbox, member_id, target, body, now, now, **refs)
    await deliveries.add(uow, {**doc, "status": DELIVERED, "attempts": 1, "delivered_at": now})
    delivered = NotificationDeliveredData(
        notification_id=nid,
        purpose=purpose,
        channel=Channel.inbox,
        recipient_id=member_id,
        insight_ids=topic.insight_ids,
        initiative_id=topic.initiative_id,
        attempts=1,
        delivered_at=now,
    )
    uow.emit(NotificationDelivered.create(delivered, source="notifier", cause=cause))
    metrics.NOTIFICATIONS.labels(Channel.inbox.value, purpose.value, "delivered").inc()
