"""What a reporter is told when an initiative their feedback backs moves: one text for staff, another for
the customer.

Staff (a rep, a CSM, a PM) read the initiative's title, its quarter, the drop reason, the words of each
of their customers with the account's name, where to follow their feedback, and that they may tell their
customers. A customer reads only that what they asked for is planned, under way, available (with the
release note, written to be announced) or not being built, and their own words: never the initiative's
name or id, an account, another customer, a reason, an internal link, or a prompt meant for staff.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from terrain_contracts.events.notification import Purpose

from .followups import Audience, Follower, Step
from .messages import Message, Section

STAFF_LABEL = {
    Step.committed: "Committed",
    Step.in_progress: "In progress",
    Step.shipped: "Shipped",
    Step.dropped: "Dropped",
}
STAFF_FOOTER = {
    Step.committed: "Planned, not shipped yet: nothing to promise your customers.",
    Step.in_progress: "Being built, not shipped yet: nothing to promise your customers.",
    Step.shipped: "Thank you for passing it on. You can let them know.",
    Step.dropped: "Your feedback stays on record and can back another initiative.",
}
CUSTOMER_SUBJECT = {
    Step.committed: "Planned: an improvement you asked for",
    Step.in_progress: "In the works: an improvement you asked for",
    Step.shipped: "Shipped: an improvement you asked for",
    Step.dropped: "An update on your request",
}
CUSTOMER_NEWS = {
    Step.committed: "what you asked for is now planned.",
    Step.in_progress: "we have started building what you asked for.",
    Step.shipped: "what you asked for is now available.",
    Step.dropped: "we will not be building what you asked for for now.",
}


@dataclass(frozen=True)
class Lifecycle:
    """What happened to the initiative: the step, and what staff may read of it."""

    step: Step
    initiative_id: str
    title: str
    quarter: str
    release_note: str = ""  # shipped: written to be announced, so customers read it too
    reason: str = ""  # dropped: staff only


def staff_message(life: Lifecycle, name: str, texts: Sequence[dict[str, Any]], follow_url: str) -> Message:
    """``texts``: the customers' original words, each with its account name when known."""
    quoted = tuple(Section(t.get("account") or "A customer", f"\u201c{t['text']}\u201d") for t in texts)
    news = {
        Step.committed: f"is committed for {life.quarter}: {life.title}.",
        Step.in_progress: f"is now in progress: {life.title}.",
        Step.shipped: f"has now shipped: {life.title}.\n\nRelease note: {life.release_note}",
        Step.dropped: f"was dropped: {life.title}.\n\nWhy: {life.reason}",
    }[life.step]
    return Message(
        purpose=Purpose.loop_closure,
        subject=f"{STAFF_LABEL[life.step]}: {life.title}",
        intro=f"Hi {name}, the initiative answering a need you reported {news}\n\n"
        "What your customers told you:",
        sections=quoted,
        footer=f"{STAFF_FOOTER[life.step]}\nFollow what you reported: {follow_url}",
        data={
            "step": life.step.value,
            "initiative_id": life.initiative_id,
            "title": life.title,
            "release_note": life.release_note,
            "reason": life.reason,
            "feedback": list(texts),
        },
    )


def customer_message(life: Lifecycle, name: str, texts: Sequence[dict[str, Any]]) -> Message:
    """``texts``: this customer's own words (their items only); nothing else of ``texts`` is read."""
    intro = f"Hello {name}, thank you for telling us what you needed: {CUSTOMER_NEWS[life.step]}"
    if life.step is Step.shipped:
        intro += f"\n\n{life.release_note}"
    return Message(
        purpose=Purpose.loop_closure,
        subject=CUSTOMER_SUBJECT[life.step],
        intro=intro,
        sections=tuple(Section("You wrote", f"\u201c{t['text']}\u201d") for t in texts),
        footer="Thank you for your feedback.",
        data={"step": life.step.value},
    )


def message_for(
    follower: Follower, life: Lifecycle, texts: Sequence[dict[str, Any]], follow_url: str
) -> Message:
    if follower.audience is Audience.customer:
        return customer_message(life, follower.name, texts)
    return staff_message(life, follower.name, texts, follow_url)
