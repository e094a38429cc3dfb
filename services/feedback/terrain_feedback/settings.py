"""Feedback service settings: environment variables prefixed FEEDBACK_ (nested with __)."""

from pydantic_settings import SettingsConfigDict

from terrain_kit.settings import HttpSettings, ServiceSettings


class FeedbackHttp(HttpSettings):
    port: int = 8101


class FeedbackSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_")

    http: FeedbackHttp = FeedbackHttp()
