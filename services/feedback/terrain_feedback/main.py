"""Composition root: settings -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from fastapi import FastAPI

from terrain_contracts.events import feedback
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from .settings import FeedbackSettings

PUBLISHES = (feedback.FeedbackIngested, feedback.FeedbackRejected, feedback.FeedbackErased,)


def create(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()
    service = Service("feedback", settings, publishes=PUBLISHES)
    return create_app(service, title="Terrain feedback",
                      description="Intake of customer and field feedback: events, signed webhooks, bulk import; de-duplication and account enrichment.")


def run() -> None:
    settings = FeedbackSettings()
    serve(create(settings), settings)
