"""Composition root: settings -> service (broker, MongoDB, consumers, relay, jobs) -> HTTP app."""

import sys

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import jobs, subscribers
from .domain.classify.embedding import encoder
from .handlers.context import Context
from .http import ROUTERS
from .settings import InsightsSettings
from .store import INDEXES

PUBLISHES = published_by("insights")


def create(settings: InsightsSettings | None = None) -> FastAPI:
    settings = settings or InsightsSettings()
    encoder()  # loaded once per process, now (about a second): a missing model fails the start, not a batch
    context = Context(settings)
    service = Service(
        "insights",
        settings,
        consumers=subscribers.declare(context),
        indexes=INDEXES,
        publishes=PUBLISHES,
        background=jobs.background(context),
    )
    app = create_app(
        service,
        title="Terrain insights",
        description="Taxonomy, classification, incremental aggregates and detectors that turn "
        "feedback into insights.",
        routers=ROUTERS,
    )
    app.state.context = context
    return app


def run() -> None:
    """``terrain-insights`` serves; ``terrain-insights replay ...`` drives a replay from the command line."""
    if len(sys.argv) > 1 and sys.argv[1] == "replay":
        from .cli.replay import main

        sys.exit(main(sys.argv[2:]))
    settings = InsightsSettings()
    serve(create(settings), settings)
