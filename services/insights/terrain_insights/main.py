"""Composition root: settings -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from fastapi import FastAPI

from terrain_contracts.events import feedback, insight
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from .settings import InsightsSettings

PUBLISHES = (feedback.FeedbackClassified, insight.InsightDetected,)


def create(settings: InsightsSettings | None = None) -> FastAPI:
    settings = settings or InsightsSettings()
    service = Service("insights", settings, publishes=PUBLISHES)
    return create_app(service, title="Terrain insights",
                      description="Taxonomy, classification, incremental aggregates and detectors that turn feedback into insights.")


def run() -> None:
    settings = InsightsSettings()
    serve(create(settings), settings)
