"""Initiatives service settings: environment variables prefixed INITIATIVES_ (nested with __)."""

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict
from terrain_kit.settings import HttpSettings, ServiceSettings


class InitiativesHttp(HttpSettings):
    port: int = 8102


class PriorityWeights(BaseModel):
    """Weights of the priority score (see the service README for the formula)."""

    arr: float = Field(default=1.0, ge=0, description="Weight of log10(1 + linked ARR / arr_unit).")
    accounts: float = Field(default=1.0, ge=0, description="Weight of log2(1 + unique accounts).")
    votes: float = Field(default=1.0, ge=0, description="Weight of the average director score (0-3).")
    arr_unit: int = Field(
        default=1_000, gt=0, description="ARR in major units of the reference currency per step."
    )
    size_factors: dict[str, float] = Field(
        default={"xs": 1.0, "s": 0.9, "m": 0.75, "l": 0.6, "xl": 0.5},
        description="Multiplier by size: smaller initiatives rank higher for the same value.",
    )
    currency_rates: dict[str, float] = Field(
        default={"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "CHF": 1.05},
        description="Reference-currency units per unit of each currency; others are not scored.",
    )


class JiraSettings(BaseModel):
    """Jira Cloud: REST API v3 with an account's email and API token; admin webhooks signed with a secret."""

    site_url: str = Field(default="https://your-site.atlassian.net", description="The Jira Cloud site.")
    email: str = Field(default="", description="The account the API token belongs to.")
    api_token: SecretStr = Field(default=SecretStr(""), description="Never logged.")
    project_key: str = Field(default="TRN", description="Project of the issues created on commit.")
    issue_type: str = Field(default="Task", description="Issue type of the issues created on commit.")
    webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="The webhook's secret (X-Hub-Signature); none: every call 401."
    )
    status_map: dict[str, str] = Field(
        default={"indeterminate": "in_progress", "done": "shipped"},
        description="Jira status name (lower case) or status category key -> in_progress or shipped.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0)


class TrackerSettings(BaseModel):
    """The delivery tracker committed initiatives are created in, and whose webhooks move them."""

    kind: Literal["none", "jira"] = Field(default="none", description="none: nothing is created or moved.")
    jira: JiraSettings = JiraSettings()
    max_attempts: int = Field(default=5, ge=1, description="Calls to create an issue before dead-lettering.")
    backoff_seconds: list[float] = Field(default=[1.0, 5.0, 30.0, 120.0], min_length=1)
    poll_seconds: float = Field(default=5.0, gt=0, description="Look for due issue creations this often.")
    claim_seconds: float = Field(default=60.0, gt=0, description="A replica's claim on one creation.")
    webhook_tolerance_seconds: int = Field(default=300, ge=1, description="Older webhooks get 401.")
    webhook_max_body_bytes: int = Field(default=256 * 1024, ge=1024)


class InitiativesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INITIATIVES_")

    http: InitiativesHttp = InitiativesHttp()
    priority: PriorityWeights = PriorityWeights()
    ballot_quorum: int = Field(
        default=3, ge=0, description="Directors needed for a ballot, unless it sets its own."
    )
    maintenance_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often overdue dependencies are flagged and ended ballots closed."
    )
    ballot_reminder_hours: float = Field(
        default=24.0,
        gt=0,
        description="Directors who have not voted are reminded this long before the close.",
    )
    dependency_escalation_days: int = Field(
        default=2, ge=0, description="Days an overdue dependency waits before Product Ops hears of it."
    )
    max_links_per_initiative: int = Field(default=10_000, ge=1, le=10_000)
    tracker: TrackerSettings = TrackerSettings()
