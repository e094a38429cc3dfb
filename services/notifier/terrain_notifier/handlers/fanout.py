"""From recipients to recorded deliveries: channels per recipient, then timing (now, held, digest).

Nothing here calls the outside world. Push deliveries are recorded as
pending and sent by the dispatcher; the in-app inbox is written at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from terrain_contracts.events.insight import Insight, Severity
from terrain_contracts.events.notification import (
    Channel,
    NotificationDelivered,
    NotificationDeliveredData,
    Purpose,
)

from .. import metrics
from ..domain.members import DigestMode, Preferences
from ..domain.messages import Message, render
from ..domain.policies import Timing, plan_push
from ..domain.routing import Recipient
from ..store import deliveries, state
from . import Context, flow_of, notification_id
from .snapshot import Snapshot


@dataclass
class Planned:
    recipient: Recipient
    channel: Channel
    timing: Timing | None  # None: skipped, ``why`` says why
    at: datetime | None
    why: str
    target: dict[str, Any] | None = None

    def view(self) -> dict[str, Any]:
        return {
            "channel": self.channel.value,
            "timing": self.timing.value if self.timing else "skipped",
            "at": self.at,
            "why": self.why,
        }


async def plan(
    uow,
    ctx: Context,
    severity: Severity,
    recipients: list[Recipient],
    snapshot: Snapshot,
    now: datetime,
    urgent: bool = False,
    dry_run: bool = False,
) -> list[Planned]:
    """Channels and timing per recipient. Counts throttle slots unless ``dry_run``."""
    rules, people = snapshot.rules, snapshot.people
    prefs = await snapshot.preferences(uow, [r.member_id for r in recipients if r.member_id])
    policy = ctx.settings.policy
    window = timedelta(minutes=policy.throttle_window_minutes)
    window_start = datetime.fromtimestamp(
        now.timestamp() // window.total_seconds() * window.total_seconds(), now.tzinfo
    )
    planned: list[Planned] = []
    for recipient in recipients:
        if recipient.endpoint is not None:
            endpoint = rules.endpoints.get(recipient.endpoint)
            if endpoint is None:
                planned.append(Planned(recipient, Channel.webhook, None, None, "endpoint no longer declared"))
                continue
            planned.append(
                Planned(
                    recipient,
                    Channel(endpoint.channel.value),
                    Timing.now,
                    now,
                    "team endpoint",
                    {"url": endpoint.url, "secret": endpoint.secret},
                )
            )
            continue
        chosen = prefs.get(recipient.member_id) or Preferences()
        for name in chosen.channels or rules.defaults.channels:
            channel = Channel(name)
            if channel is Channel.inbox:
                planned.append(
                    Planned(
                        recipient,
                        channel,
                        Timing.now,
                        now,
                        "in-app inbox",
                        {"member_id": recipient.member_id},
                    )
                )
                continue
            target, missing = _target(channel, chosen, people.person(recipient.member_id).email)
            if target is None:
                planned.append(Planned(recipient, channel, None, None, missing))
                continue
            sent = 0
            if not urgent and chosen.digest is DigestMode.off:
                member = recipient.member_id
                sent = (
                    await deliveries.slots_taken(uow, member, channel.value, window_start)
                    if dry_run
                    else await deliveries.take_slot(uow, member, channel.value, window_start, window)
                )
            decided = plan_push(
                chosen,
                Severity.critical if urgent else severity,
                sent,
                policy.throttle_max,
                now,
                policy.daily_digest_hour,
            )
            planned.append(Planned(recipient, channel, decided.timing, decided.at, decided.why, target))
    return planned


def _target(channel: Channel, prefs: Preferences, email: str | None) -> tuple[dict[str, Any] | None, str]:
    if channel is Channel.email:
        return ({"email": email}, "") if email else (None, "no email address known for this member")
    if channel is Channel.slack:
        return ({"url": prefs.slack_url}, "") if prefs.slack_url else (None, "no personal Slack webhook")
    if prefs.webhook_url and prefs.webhook_secret:
        return {"url": prefs.webhook_url, "secret": prefs.webhook_secret}, ""
    return None, "no personal webhook"


def delivery_doc(
    nid: str,
    purpose: Purpose,
    channel: Channel,
    recipient_id: str,
    target: dict[str, Any],
    body: dict[str, Any],
    now: datetime,
    at: datetime,
    **refs: Any,
) -> dict[str, Any]:
    return {
        "_id": nid,
        "purpose": purpose.value,
        "channel": channel.value,
        "recipient_id": recipient_id,
        "target": target,
        "body": body,
        "status": deliveries.PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": now,
        "claimed_by": None,
        "claim_until": None,
        "last_error": None,
        "history": [],
        "insight_ids": refs.pop("insight_ids", []),
        "initiative_id": refs.pop("initiative_id", None),
        **refs,
    }


async def record(
    uow,
    planned: list[Planned],
    insight: Insight,
    purpose: Purpose,
    compose: Callable[[list[str]], Message],
    now: datetime,
    id_scope: tuple[object, ...],
    cause=None,
) -> list[str]:
    """Record every planned notification (``compose`` writes it from the recipient's reasons).

    Returns the members reached, whatever the channel and timing."""
    reached: list[str] = []
    for item in planned:
        if item.timing is None:
            continue
        metrics.PLANNED.labels(item.channel.value, item.timing.value).inc()
        recipient = item.recipient
        recipient_id = recipient.member_id or recipient.endpoint
        nid = notification_id(purpose.value, *id_scope, recipient.key, item.channel.value)
        personal = compose(recipient.reasons)
        refs = {
            "insight_ids": [insight.insight_id],
            "dedup_key": insight.dedup_key,
            "reasons": recipient.reasons,
            "timing": item.timing.value,
            "why": item.why,
            **flow_of(uow, cause),
        }
        if recipient.member_id:
            reached.append(recipient.member_id)
        if item.channel is Channel.inbox:
            await _to_inbox(uow, nid, recipient.member_id, insight, purpose, personal, refs, now, cause)
        elif item.timing is Timing.digest:
            await state.add_digest_item(
                uow,
                {
                    "_id": nid,
                    "member_id": recipient.member_id,
                    "channel": item.channel.value,
                    "target": item.target,
                    "due_at": item.at,
                    "status": "pending",
                    "created_at": now,
                    "insight_id": insight.insight_id,
                    "summary": {
                        "title": insight.title,
                        "severity": insight.severity.value,
                        "kind": insight.kind.value,
                        "product_area": insight.product_area,
                        "summary": insight.summary,
                        "insight_id": insight.insight_id,
                        "reasons": recipient.reasons,
                    },
                },
            )
        else:
            await deliveries.add(
                uow,
                delivery_doc(
                    nid,
                    purpose,
                    item.channel,
                    recipient_id,
                    item.target,
                    render(item.channel, personal, nid),
                    now,
                    item.at,
                    **refs,
                ),
            )
    return list(dict.fromkeys(reached))


async def _to_inbox(
    uow,
    nid: str,
    member_id: str,
    insight: Insight,
    purpose: Purpose,
    message: Message,
    refs: dict[str, Any],
    now: datetime,
    cause,
) -> None:
    """The inbox is ours: written in this transaction, delivered at once, recorded like any delivery."""
    body = render(Channel.inbox, message, nid)
    inserted = await state.add_inbox_item(
        uow,
        {
            "_id": nid,
            "member_id": member_id,
            "purpose": purpose.value,
            "insight_id": insight.insight_id,
            "dedup_key": insight.dedup_key,
            "severity": insight.severity.value,
            "kind": insight.kind.value,
            "subject": body["subject"],
            "text": body["text"],
            "reasons": refs["reasons"],
            "created_at": now,
            "read_at": None,
            "acknowledged_at": None,
        },
    )
    if not inserted:
        return
    doc = delivery_doc(
        nid, purpose, Channel.inbox, member_id, {"member_id": member_id}, body, now, now, **refs
    )
    await deliveries.add(uow, {**doc, "status": deliveries.DELIVERED, "attempts": 1, "delivered_at": now})
    uow.emit(
        NotificationDelivered.create(
            NotificationDeliveredData(
                notification_id=nid,
                purpose=purpose,
                channel=Channel.inbox,
                recipient_id=member_id,
                insight_ids=[insight.insight_id],
                attempts=1,
                delivered_at=now,
            ),
            source="notifier",
            cause=cause,
        )
    )
    metrics.NOTIFICATIONS.labels(Channel.inbox.value, purpose.value, "delivered").inc()
