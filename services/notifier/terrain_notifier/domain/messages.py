"""What a notification says, rendered per channel: email text, Slack blocks, a webhook JSON payload.

One neutral :class:`Message` per notification; :func:`render` turns it into
the body a channel sends. Rendering happens when the delivery is recorded,
so every retry sends exactly the same thing.
"""

from dataclasses import dataclass, field
from typing import Any

from terrain_contracts.events.insight import Insight
from terrain_contracts.events.notification import Channel, Purpose

SLACK_TEXT_LIMIT = 2900  # Slack refuses section texts over 3000 characters


@dataclass(frozen=True)
class Section:
    heading: str
    body: str


@dataclass(frozen=True)
class Message:
    purpose: Purpose
    subject: str
    intro: str
    sections: tuple[Section, ...] = ()
    footer: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable facts for webhooks


def _where(insight: Insight) -> str:
    parts = [f"area {insight.product_area}" if insight.product_area else "no product area"]
    if insight.theme:
        parts.append(f"theme {insight.theme}")
    return ", ".join(parts)


def insight_message(
    insight: Insight, reasons: list[str], purpose: Purpose = Purpose.insight, note: str = "", link: str = ""
) -> Message:
    prefix = "Escalation: " if purpose is Purpose.escalation else ""
    return Message(
        purpose=purpose,
        subject=f"{prefix}[{insight.severity.value}] {insight.title}",
        intro=note or f"{insight.kind.value.replace('_', ' ')} in {_where(insight)}",
        sections=(Section("What", insight.summary), Section("Why you", "\n".join(f"- {r}" for r in reasons))),
        footer=link,
        data={"insight": insight.model_dump(mode="json"), "reasons": reasons},
    )


def digest_message(insights: list[dict[str, Any]], link: str = "") -> Message:
    """``insights``: summaries as stored with digest items (title, severity, kind, area, summary, reasons)."""
    lines = [
        Section(f"[{i['severity']}] {i['title']}", f"{i['summary']}\n(why you: {'; '.join(i['reasons'])})")
        for i in insights
    ]
    return Message(
        purpose=Purpose.digest,
        subject=f"Terrain digest: {len(insights)} insight{'s' if len(insights) != 1 else ''}",
        intro=f"{len(insights)} insight(s) since your last digest.",
        sections=tuple(lines),
        footer=link,
        data={"insights": insights},
    )


def loop_closure_message(
    reporter_name: str, title: str, release_note: str, initiative_id: str, texts: list[dict[str, Any]]
) -> Message:
    """``texts``: the customers' original words, each with its account name when known."""
    quoted = tuple(Section(t.get("account") or "A customer", f"\u201c{t['text']}\u201d") for t in texts)
    return Message(
        purpose=Purpose.loop_closure,
        subject=f"Shipped: {title}",
        intro=(
            f"Hi {reporter_name}, you reported a need that has now shipped: {title}.\n\n"
            f"Release note: {release_note}\n\nWhat your customers told you:"
        ),
        sections=quoted,
        footer="Thank you for passing it on. You can let them know.",
        data={
            "initiative_id": initiative_id,
            "title": title,
            "release_note": release_note,
            "feedback": texts,
        },
    )


def text_of(message: Message) -> str:
    blocks = [message.intro, *(f"{s.heading}\n{s.body}" for s in message.sections)]
    if message.footer:
        blocks.append(message.footer)
    return "\n\n".join(blocks)


def render(channel: Channel, message: Message, notification_id: str) -> dict[str, Any]:
    """The body this channel sends."""
    if channel is Channel.slack:
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message.intro[:SLACK_TEXT_LIMIT]}},
        ]
        blocks += [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{s.heading}*\n{s.body}"[:SLACK_TEXT_LIMIT]},
            }
            for s in message.sections[:45]
        ]  # Slack allows 50 blocks
        if message.footer:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": message.footer[:2000]}]}
            )
        return {"text": message.subject, "blocks": blocks}
    if channel is Channel.webhook:
        return {
            "type": f"terrain.notification.{message.purpose.value}",
            "notification_id": notification_id,
            "subject": message.subject,
            "text": text_of(message),
            **message.data,
        }
    return {"subject": message.subject, "text": text_of(message)}
