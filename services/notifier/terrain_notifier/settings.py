"""Notifier service settings: environment variables prefixed NOTIFIER_ (nested with __)."""

from pydantic_settings import SettingsConfigDict

from terrain_kit.settings import HttpSettings, ServiceSettings


class NotifierHttp(HttpSettings):
    port: int = 8104


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_")

    http: NotifierHttp = NotifierHttp()
