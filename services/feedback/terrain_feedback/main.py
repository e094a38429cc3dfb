"""Composition root: settings -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import http, store
from .handlers import Rules
from .settings import FeedbackSettings
from .subscribers import make_consumers
from .webhooks.routes import make_router

PUBLISHES = published_by("feedback")


def create(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()
    rules = Rules.of(settings)
    service = Service(
        "feedback", settings, consumers=make_consumers(rules), indexes=store.INDEXES, publishes=PUBLISHES
    )
    app = create_app(
        service,
        title="Terrain feedback",
        description="Intake of customer and field feedback: events, signed webhooks, "
        "bulk import; "
        "de-duplication and account enrichment.",
        routers=[http.router, make_router(settings)],
    )
    app.state.rules = rules
    return app


def run() -> None:
    settings = FeedbackSettings()
    serve(create(settings), settings)
