"""Notifier service settings: environment variables prefixed NOTIFIER_ (nested with __)."""

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict
from terrain_kit.settings import HttpSettings, ServiceSettings


class NotifierHttp(HttpSettings):
    port: int = 8104


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "Terrain <terrain@localhost>"
    starttls: bool = False
    user: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = 10.0


class DispatchSettings(BaseModel):
    """The background dispatcher: claims due deliveries, sends them, records the outcome."""

    workers: int = Field(default=4, ge=1, le=64, description="Concurrent sends per replica.")
    poll_seconds: float = Field(default=1.0, gt=0, description="Idle wait between looks for due deliveries.")
    claim_seconds: float = Field(
        default=60.0, gt=0, description="A claimed delivery whose replica died is retried after this."
    )
    max_attempts: int = Field(default=6, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=600.0, gt=0)
    http_timeout_seconds: float = 10.0
    breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failures that open an endpoint's circuit."
    )
    breaker_cooldown_seconds: float = Field(
        default=30.0, gt=0, description="Open time before a half-open probe."
    )


class PolicySettings(BaseModel):
    throttle_max: int = Field(
        default=20, ge=1, description="Immediate notifications per recipient per window."
    )
    throttle_window_minutes: int = Field(default=60, ge=1)
    escalation_minutes: float = Field(
        default=30.0, gt=0, description="Unacknowledged critical insight: to the backup, then Product Ops."
    )
    daily_digest_hour: int = Field(default=9, ge=0, le=23, description="Local hour of daily digests.")
    periodic_seconds: float = Field(
        default=30.0, gt=0, description="How often digests and escalations are looked at."
    )


class FollowupSettings(BaseModel):
    """Reporters told what became of their feedback (committed, in progress, shipped, dropped)."""

    follow_url: str = Field(
        default="http://127.0.0.1:8101/v1/feedback/mine",
        description="Where a member follows their feedback: linked from every message to staff.",
    )
    customer_sources: list[str] = Field(
        default_factory=lambda: ["zendesk", "intercom", "freshdesk", "helpscout"],
        description="Help-desk sources whose requesters (the customers) may be told that their need shipped; "
        "a source named after one (zendesk-sync, zendesk_eu) counts as it.",
    )
    tell_within_days: float = Field(
        default=7.0,
        gt=0,
        description="A step read later than this after it happened is not told (a first deployment replays "
        "the stream's history: the links are rebuilt, nobody hears of last quarter's commitments).",
    )
    staff_domains: list[str] = Field(
        default_factory=list,
        description="When set, staff texts go only to members' addresses and to addresses in these domains.",
    )


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_")

    http: NotifierHttp = NotifierHttp()
    smtp: SmtpSettings = SmtpSettings()
    dispatch: DispatchSettings = DispatchSettings()
    policy: PolicySettings = PolicySettings()
    followups: FollowupSettings = FollowupSettings()
    rules_file: Path | None = Field(
        default=None, description="Routing rules as code (YAML), applied at start-up."
    )
    # Webhook and Slack targets in private, loopback, link-local or reserved ranges are refused unless here.
    ssrf_allow: list[str] = Field(default_factory=list, description='CIDRs, e.g. ["127.0.0.1/32"].')
    public_url: str = Field(default="http://127.0.0.1:8104", description="Links in messages point here.")
    console_url: str | None = Field(
        default=None,
        description="The console's URL: links in messages open its pages (insight, ballot, inbox);"
        " unset: the notifier's own inbox API.",
    )
