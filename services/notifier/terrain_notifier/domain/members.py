"""What each member chose: channels, personal targets, time zone, quiet hours, digests, subscriptions."""

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from terrain_contracts.types import Id

from .rules import Match, Strict, Url, checked_url
from .targets import SECRET_MASK, check_secret

Channels = list[Literal["inbox", "email", "slack", "webhook"]]
Steps = list[Literal["committed", "in_progress", "shipped", "dropped"]]


class DigestMode(StrEnum):
    off = "off"
    hourly = "hourly"
    daily = "daily"


class QuietHours(Strict):
    """Local times; a window across midnight (22:00-07:00) is understood."""

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self

    def end_after(self, local: datetime) -> datetime | None:
        """When the quiet window containing ``local`` ends (local time), or None if outside it."""
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            inside = self.start <= now < self.end
            ends_next_day = False
        else:
            inside = now >= self.start or now < self.end
            ends_next_day = now >= self.start
        if not inside:
            return None
        day = local.date() + timedelta(days=1 if ends_next_day else 0)
        return datetime.combine(day, self.end, tzinfo=local.tzinfo)


class Preferences(Strict):
    channels: Channels | None = Field(
        default=None, min_length=1, description="Null: the defaults of the routing rules."
    )
    slack_url: Url | None = Field(default=None, description="Personal Slack incoming webhook.")
    webhook_url: Url | None = None
    webhook_secret: str | None = Field(default=None, description="whsec_..., signs the personal webhook.")
    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    digest: DigestMode = DigestMode.off
    feedback_steps: Steps | None = Field(
        default=None,
        description="Lifecycle steps of the initiatives your feedback backs you are told about (by email). "
        "Null: the defaults (shipped and dropped for Sales/CS reps; committed too for other members).",
    )

    _urls = field_validator("slack_url", "webhook_url")(
        lambda url, info: None if url is None else checked_url(url, info)
    )

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, secret: str | None) -> str | None:
        return None if secret is None else check_secret(secret)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Paris)") from None
        return name

    @model_validator(mode="after")
    def _targets_for_channels(self) -> Self:
        chosen = self.channels or []
        if "slack" in chosen and not self.slack_url:
            raise ValueError("channel slack needs slack_url")
        if "webhook" in chosen and not (self.webhook_url and self.webhook_secret):
            raise ValueError("channel webhook needs webhook_url and webhook_secret")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Subscription(Match):
    """A member's own interest beyond what they own."""

    subscription_id: Id


def clean_for_view(preferences: Preferences) -> dict:
    """Preferences as shown back: the webhook secret never leaves the service (it shows as the mask)."""
    view = preferences.model_dump(mode="json")
    if view.get("webhook_secret"):
        view["webhook_secret"] = SECRET_MASK
    return view


def keep_secret(body: dict[str, Any], held: Preferences | None) -> dict[str, Any]:
    """Preferences as sent, where the masked secret (what a read shows) is the stored one; ValueError when
    nothing is stored for it."""
    if body.get("webhook_secret") != SECRET_MASK:
        return body
    if held is None or held.webhook_secret is None:
        raise ValueError(f"{SECRET_MASK} stands for the stored secret, and there is none: send the secret")
    return {**body, "webhook_secret": held.webhook_secret}
