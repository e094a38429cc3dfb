"""What a notification says, rendered per channel: email text, Slack blocks, a webhook JSON payload.

One neutral :class:`Message` per notification; :func:`render` turns it into
the body a channel sends. Rendering happens when the delivery is recorded,
so every retry sends exactly the same thing.

Every text of a message may hold customer words (insight titles and summaries,
reasons, account names, initiative titles): Slack gets them escaped as Slack
documents (``&`` ``<`` ``>`` -> ``&amp;`` ``&lt;`` ``&gt;``), so ``<!channel>`` or
``<http://evil|click>`` shows as typed and pages nobody; the one link the
notifier builds (``Message.link``) stays a link. Email is plain text only and
webhooks get JSON: both carry the words as they are.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from terrain_contracts.events.insight import Insight
from terrain_contracts.events.notification import Channel, Purpose

from .topics import Topic

SLACK_TEXT_LIMIT = 2900  # Slack refuses section texts over 3000 characters
SLACK_HEADER_LIMIT = 150
SLACK_CONTEXT_LIMIT = 2000
_CUT_ENTITY = re.compile(r"&[a-z]{0,3}$")  # what truncation can leave of &amp; &lt; &gt;


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
    link: str = ""  # built by the notifier (its public URL), never from user text
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
        link=link,
        data={"insight": insight.model_dump(mode="json"), "reasons": reasons},
    )


def ritual_message(topic: Topic, reasons: list[str], link: str = "") -> Message:
    """A planning notification: the ritual's facts, and why this person hears of it."""
    return Message(
        purpose=Purpose.insight,
        subject=topic.title,
        intro=topic.summary,
        sections=(Section("Why you", "\n".join(f"- {r}" for r in reasons)),),
        link=link,
        data={"ritual": topic.ritual, **topic.data, "reasons": reasons},
    )


def digest_message(insights: list[dict[str, Any]], link: str = "") -> Message:
    """``insights``: summaries as stored with digest items (title, severity, kind, area, summary, reasons)."""
    lines = [
        Section(f"[{i['severity']}] {i['title']}", f"{i['summary']}\n(why you: {'; '.join(i['reasons'])})")
        for i in insights
    ]
    # Planning notifications (a ritual) fold into the same digest: then it counts notifications.
    noun = "notification" if any(i.get("ritual") for i in insights) else "insight"
    return Message(
        purpose=Purpose.digest,
        subject=f"Terrain digest: {len(insights)} {noun}{'s' if len(insights) != 1 else ''}",
        intro=f"{len(insights)} {noun}(s) since your last digest.",
        sections=tuple(lines),
        link=link,
        data={"insights": insights},
    )


def text_of(message: Message) -> str:
    blocks = [message.intro, *(f"{s.heading}\n{s.body}" for s in message.sections)]
    blocks += [text for text in (message.footer, message.link) if text]
    return "\n\n".join(blocks)


def slack_escape(text: str, limit: int | None = None) -> str:
    """User text for Slack (plain_text and mrkdwn alike): ``&`` ``<`` ``>`` escaped, then cut to ``limit``
    characters without leaving half an entity."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if limit is None or len(escaped) <= limit:
        return escaped
    return _CUT_ENTITY.sub("", escaped[:limit])


def _slack(message: Message) -> dict[str, Any]:
    def mrkdwn(text: str) -> dict[str, Any]:
        return {"type": "mrkdwn", "text": text}

    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": slack_escape(message.subject, SLACK_HEADER_LIMIT)},
        },
        {"type": "section", "text": mrkdwn(slack_escape(message.intro, SLACK_TEXT_LIMIT))},
    ]
    for s in message.sections[:45]:  # Slack allows 50 blocks
        heading = f"*{slack_escape(s.heading, 200)}*\n"
        body = slack_escape(s.body, SLACK_TEXT_LIMIT - len(heading))
        blocks.append({"type": "section", "text": mrkdwn(heading + body)})
    context = [slack_escape(message.footer, SLACK_CONTEXT_LIMIT)] if message.footer else []
    if message.link:  # the notifier's own link: a Slack link, & escaped inside it as Slack expects
        context.append(f"<{slack_escape(message.link)}|Open in Terrain>")
    if context:
        blocks.append({"type": "context", "elements": [mrkdwn(text) for text in context]})
    return {"text": slack_escape(message.subject), "blocks": blocks}


def render(channel: Channel, message: Message, notification_id: str) -> dict[str, Any]:
    """The body this channel sends."""
    if channel is Channel.slack:
        return _slack(message)
    if channel is Channel.webhook:
        return {
            "type": f"terrain.notification.{message.purpose.value}",
            "notification_id": notification_id,
            "subject": message.subject,
            "text": text_of(message),
            **message.data,
        }
    return {"subject": message.subject, "text": text_of(message)}
