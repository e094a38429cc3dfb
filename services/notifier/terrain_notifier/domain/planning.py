"""From a recipient to what is planned for them: per channel, the target and the timing (or why not).

The throttle count is the only thing read from the store; everything else is decided here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from terrain_contracts.events.notification import Channel

from .members import DigestMode, Preferences
from .policies import Plan, Timing
from .routing import Recipient
from .rules import Rules


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


def for_endpoint(recipient: Recipient, endpoint_name: str, rules: Rules, now: datetime) -> Planned:
    """A rules endpoint (team Slack channel, webhook) is sent at once, whatever members chose."""
    endpoint = rules.endpoints.get(endpoint_name)
    if endpoint is None:
        return Planned(recipient, Channel.webhook, None, None, "endpoint no longer declared")
    target = {"url": endpoint.url, "secret": endpoint.secret}
    return Planned(recipient, Channel(endpoint.channel.value), Timing.now, now, "team endpoint", target)


def channels_of(preferences: Preferences, rules: Rules) -> list[Channel]:
    return [Channel(name) for name in preferences.channels or rules.defaults.channels]


def to_inbox(recipient: Recipient, member_id: str, now: datetime) -> Planned:
    return Planned(recipient, Channel.inbox, Timing.now, now, "in-app inbox", {"member_id": member_id})


def target_of(
    channel: Channel, preferences: Preferences, email: str | None
) -> tuple[dict[str, Any] | None, str]:
    """Where a member's push channel sends, or (None, why not)."""
    if channel is Channel.email:
        return ({"email": email}, "") if email else (None, "no email address known for this member")
    if channel is Channel.slack:
        return (
            ({"url": preferences.slack_url}, "")
            if preferences.slack_url
            else (None, "no personal Slack webhook")
        )
    if preferences.webhook_url and preferences.webhook_secret:
        return {"url": preferences.webhook_url, "secret": preferences.webhook_secret}, ""
    return None, "no personal webhook"


def throttled(preferences: Preferences, urgent: bool) -> bool:
    """Whether an immediate notification counts in the recipient's throttle window (digests do not)."""
    return not urgent and preferences.digest is DigestMode.off


def push(recipient: Recipient, channel: Channel, target: dict[str, Any], decided: Plan) -> Planned:
    return Planned(recipient, channel, decided.timing, decided.at, decided.why, target)
