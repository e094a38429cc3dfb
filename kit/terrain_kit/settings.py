"""Settings every service shares; each service subclasses with its own env prefix.

Every field has a safe local default, so a service starts with no environment
at all. Nested fields use ``__``: ``FEEDBACK_NATS__URL``, ``INSIGHTS_CONSUMER__MAX_ATTEMPTS``.
"""

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NatsSettings(BaseModel):
    url: str = Field(
        default="nats://127.0.0.1:4222", description="One URL, or several comma-separated (a cluster)."
    )
    user: str | None = None
    password: SecretStr | None = None
    stream_replicas: int = Field(default=1, ge=1, le=5)
    connect_timeout_seconds: float = 5.0
    api_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "JetStream API requests (streams, consumers, acknowledged publishes): a cluster electing a "
            "leader, or a busy one, answers after nats-py's 5 s default and a service would fail to start."
        ),
    )

    @property
    def servers(self) -> list[str]:
        return [url.strip() for url in self.url.split(",") if url.strip()]


class MongoSettings(BaseModel):
    # retryWrites=false suits the local Mongo-wire server; production URIs set their own options.
    uri: str = "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true"
    database: str | None = Field(default=None, description="Defaults to terrain_<service>.")
    server_selection_timeout_ms: int = 5000


class ConsumerSettings(BaseModel):
    """Delivery policy of every durable consumer of the service (overridable per consumer)."""

    max_attempts: int = Field(default=5, ge=1, description="Handler failures before dead-lettering.")
    backoff_seconds: list[float] = Field(
        default=[0.5, 2.0, 10.0, 30.0], description="Delay before attempt n+1; the last value repeats."
    )
    ack_wait_seconds: float = 30.0
    # A handler running longer fails its attempt; slow batches are otherwise kept in progress.
    handler_timeout_seconds: float = 60.0
    # Server-side ceiling on deliveries, counting crashes and timeouts; reaching it dead-letters
    # through the MAX_DELIVERIES advisory. Must exceed max_attempts.
    max_deliveries: int = Field(default=20, ge=2)
    batch_size: int = Field(default=256, ge=1, le=4096)
    fetch_timeout_seconds: float = 1.0
    linger_ms: float = Field(default=3.0, ge=0, description="Wait for more messages before a commit.")
    # While MongoDB is unreachable a batch is held (and kept in progress), not burnt through attempts.
    unavailable_hold_seconds: float = 300.0
    processed_ttl_days: int = Field(default=30, ge=1)


class OutboxSettings(BaseModel):
    sweep_interval_seconds: float = 1.0
    # Entries younger than this are left to the process that wrote them (published right after commit).
    sweep_grace_seconds: float = 2.0
    batch_size: int = 500
    published_ttl_hours: int = 24


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1024 * 1024


class TelemetrySettings(BaseModel):
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|text)$")
    otlp_endpoint: str | None = Field(
        default=None, description="e.g. http://tempo:4318/v1/traces; off if unset."
    )
    span_file: Path | None = Field(
        default=None, description="Write finished spans as JSON lines (tests, debugging)."
    )


class IdentitySettings(BaseModel):
    public_keys: list[str] = Field(
        default_factory=list,
        description="PEM public keys (Ed25519) of the issuers whose identity tokens this service accepts; "
        "none: tokens are refused and only API keys work.",
    )
    leeway_seconds: float = Field(default=30.0, ge=0, le=300, description="Clock skew allowed on expiry.")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    nats: NatsSettings = NatsSettings()
    mongo: MongoSettings = MongoSettings()
    consumer: ConsumerSettings = ConsumerSettings()
    outbox: OutboxSettings = OutboxSettings()
    http: HttpSettings = HttpSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    identity: IdentitySettings = IdentitySettings()
    admin_key: SecretStr | None = Field(default=None, description="Bootstrap admin API key; unset: none.")
    instance: str | None = Field(
        default=None, description="Replica name in logs and metrics; default host:pid."
    )
    # A deployment that only serves HTTP (scaled on CPU) runs without consumers; one that consumes
    # (scaled on consumer lag) keeps them. Both publish through the outbox.
    consumers_enabled: bool = True
    # Test-only fault injection (see terrain_kit.faults); empty in any real deployment.
    fault_points: set[str] = Field(default_factory=set)

    def database_name(self, service: str) -> str:
        return self.mongo.database or f"terrain_{service}"
