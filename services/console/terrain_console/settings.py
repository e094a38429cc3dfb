"""Console settings: environment variables prefixed CONSOLE_ (nested with __)."""

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from terrain_kit.settings import HttpSettings, MongoSettings, TelemetrySettings


class ConsoleHttp(HttpSettings):
    port: int = 8105


class ServiceUrls(BaseModel):
    """Where the four services answer; the console is a client of their public HTTP APIs only."""

    feedback: str = "http://127.0.0.1:8101"
    initiatives: str = "http://127.0.0.1:8102"
    insights: str = "http://127.0.0.1:8103"
    notifier: str = "http://127.0.0.1:8104"
    timeout_seconds: float = Field(default=10.0, gt=0)


class SignInSettings(BaseModel):
    max_failures: int = Field(default=5, ge=1, description="Failed sign-ins per account within the window.")
    max_client_failures: int = Field(
        default=20, ge=1, description="Failed sign-ins per client address (people share offices and proxies)."
    )
    window_minutes: int = Field(
        default=15, ge=1, description="Past either limit, 429 until the window passes."
    )
    session_hours: float = Field(default=12.0, gt=0, description="A session lasts this long.")
    secure_cookies: bool = Field(
        default=False, description="Send cookies over HTTPS only (true behind TLS in any real deployment)."
    )


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", env_nested_delimiter="__", extra="ignore")

    http: ConsoleHttp = ConsoleHttp()
    mongo: MongoSettings = MongoSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    services: ServiceUrls = ServiceUrls()
    sign_in: SignInSettings = SignInSettings()
    identity_key_file: Path | None = Field(
        default=None,
        description="The identity issuer's Ed25519 private key (PEM); the services hold its public key. "
        "Unset: a key generated at start-up, whose tokens no service accepts (every page says so).",
    )
    identity_private_key: SecretStr | None = Field(
        default=None, description="The same key as PEM text (from a secret); used when no key file is set."
    )
    token_seconds: int = Field(
        default=120, ge=10, le=3600, description="Lifetime of the token signed for each service call."
    )
    seed_users_file: Path | None = Field(
        default=None,
        description="JSON list of {email, name, member_id, role, password} created or updated at start-up "
        "(the local stack's demo sign-ins).",
    )
    page_size: int = Field(default=20, ge=1, le=200)
    public_url: str = Field(default="http://127.0.0.1:8105", description="Where people open the console.")
    instance: str | None = None

    def database_name(self) -> str:
        return self.mongo.database or "terrain_console"
