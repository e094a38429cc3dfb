"""Composition root: settings -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from fastapi import FastAPI

from terrain_contracts.events import notification
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from .settings import NotifierSettings

PUBLISHES = (notification.NotificationDelivered,)


def create(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    service = Service("notifier", settings, publishes=PUBLISHES)
    return create_app(service, title="Terrain notifier",
                      description="Routing insights to the owning PMs over Slack, email, webhooks and the in-app inbox; closing the loop.")


def run() -> None:
    settings = NotifierSettings()
    serve(create(settings), settings)
