"""Feedback service settings: environment variables prefixed FEEDBACK_ (nested with __).

Webhook secrets are lists so a source can be rotated without downtime: put the
new secret beside the old one, switch the vendor over, then drop the old one.
``FEEDBACK_WEBHOOKS__ZENDESK__SECRETS='["old","new"]'``.
"""

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict
from terrain_kit.settings import ConsumerSettings, HttpSettings, ServiceSettings


class FeedbackHttp(HttpSettings):
    port: int = 8101


class WebhookSource(BaseModel):
    """One vendor endpoint: its signing secrets (at most two, during a rotation)."""

    secrets: list[SecretStr] = Field(
        default_factory=list, max_length=2, description="Empty: the endpoint answers 401 to everything."
    )
    source: str | None = Field(default=None, description="Source slug stored on items; default: the vendor.")


class WebhookSettings(BaseModel):
    zendesk: WebhookSource = WebhookSource()
    intercom: WebhookSource = WebhookSource()
    hubspot: WebhookSource = WebhookSource()
    salesforce: WebhookSource = WebhookSource()
    # Unless a source is set here, Standard Webhooks producers name their own source in the payload.
    standard: WebhookSource = WebhookSource()
    tolerance_seconds: int = Field(default=300, ge=1, description="Accepted clock skew of signed timestamps.")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Larger deliveries get 413 unread.")
    # HubSpot signs the URL it called; behind a proxy the service sees another one. Set the public base
    # (e.g. https://terrain.example.com) so the signed string matches.
    public_base_url: str | None = None


class DuplicateSettings(BaseModel):
    """Near-duplicate detection: compare a new item with recent items of the same customer only."""

    threshold: float = Field(default=0.45, ge=0.0, le=1.0, description="Similarity from which to link.")
    window_days: int = Field(default=30, ge=1, description="How far apart in time two copies may be.")
    max_candidates: int = Field(default=50, ge=1, description="A customer's recent items compared.")
    cache_seconds: float = Field(default=120.0, ge=0, description="How long a replica trusts its cache.")


class SlackSettings(BaseModel):
    """Slack capture: a message shortcut or the /feedback slash command of the company's Slack app."""

    signing_secrets: list[SecretStr] = Field(
        default_factory=list, max_length=2, description="The app's signing secret; empty: 401 to everything."
    )
    users: dict[str, str] = Field(
        default_factory=dict, description="Slack user id -> Terrain member id (their work email, for reps)."
    )
    # Answers go back to Slack's response_url only when it starts with one of these (never anywhere else).
    response_url_prefixes: list[str] = Field(default_factory=lambda: ["https://hooks.slack.com/"])
    source: str = "slack"


class MailboxSettings(BaseModel):
    """Email capture: an SMTP listener whose messages to ``address`` become feedback (off by default)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8125, ge=0, le=65535)
    address: str = Field(default="feedback@terrain.local", description="The one recipient accepted.")
    sender_domains: list[str] = Field(
        default_factory=list, description="Staff email domains accepted as reporters; empty: any sender."
    )
    max_message_bytes: int = Field(default=256 * 1024, ge=1024)
    source: str = "email"


LINGER_MS = 25.0


class FeedbackSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", env_nested_delimiter="__", extra="ignore")

    http: FeedbackHttp = FeedbackHttp()
    # A longer linger gathers a whole fetch into one transaction: ~2x the throughput of 3 ms on the
    # local Mongo-wire server, and fewer concurrent batches of the same customers.
    consumer: ConsumerSettings = ConsumerSettings(linger_ms=LINGER_MS)
    webhooks: WebhookSettings = WebhookSettings()
    duplicates: DuplicateSettings = DuplicateSettings()
    redact_contacts: bool = Field(default=False, description="Mask emails and phone numbers in stored text.")
    slack: SlackSettings = SlackSettings()
    mailbox: MailboxSettings = MailboxSettings()

    @field_validator("consumer", mode="before")
    @classmethod
    def _keep_linger(cls, value: object) -> object:
        # Variables like FEEDBACK_CONSUMER__MAX_ATTEMPTS arrive as a dict of just what is set, validated
        # against ConsumerSettings' own defaults: without this, setting any of them brought back 3 ms.
        if isinstance(value, dict) and "linger_ms" not in value:
            return {**value, "linger_ms": LINGER_MS}
        return value
