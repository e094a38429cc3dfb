"""Insights service settings: environment variables prefixed INSIGHTS_ (nested with __)."""

from pydantic_settings import SettingsConfigDict

from terrain_kit.settings import HttpSettings, ServiceSettings


class InsightsHttp(HttpSettings):
    port: int = 8103


class InsightsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSIGHTS_")

    http: InsightsHttp = InsightsHttp()
