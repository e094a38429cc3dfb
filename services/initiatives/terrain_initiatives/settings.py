"""Initiatives service settings: environment variables prefixed INITIATIVES_ (nested with __)."""

from pydantic_settings import SettingsConfigDict

from terrain_kit.settings import HttpSettings, ServiceSettings


class InitiativesHttp(HttpSettings):
    port: int = 8102


class InitiativesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INITIATIVES_")

    http: InitiativesHttp = InitiativesHttp()
