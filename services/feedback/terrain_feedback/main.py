"""Composition root: settings -> context -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from datetime import timedelta

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import store
from .domain.items import DuplicateRules
from .handlers.context import Context
from .http import ROUTERS
from .jobs.mailbox import listener
from .settings import FeedbackSettings
from .store.recent import RecentItems
from .subscribers import declare

PUBLISHES = published_by("feedback")


def context_for(settings: FeedbackSettings) -> Context:
    """What every intake path shares: the rules from settings and the process's recent-items cache."""
    d = settings.duplicates
    return Context(
        duplicates=DuplicateRules(d.threshold, timedelta(days=d.window_days), d.max_candidates),
        redact=settings.redact_contacts,
        recent=RecentItems(d.max_candidates, d.cache_seconds),
        webhooks=settings.webhooks,
        slack=settings.slack,
        mailbox=settings.mailbox,
    )


def create(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()
    context = context_for(settings)
    service = Service(
        "feedback",
        settings,
        consumers=declare(context),
        indexes=store.INDEXES,
        publishes=PUBLISHES,
        background=[listener(context)] if settings.mailbox.enabled else [],
    )
    app = create_app(
        service,
        title="Terrain feedback",
        description="Intake of customer and field feedback: events, signed webhooks, "
        "bulk import, logged by hand (API, Slack, email); "
        "de-duplication and account enrichment; what became of each rep's feedback.",
        routers=ROUTERS,
    )
    app.state.context = context
    return app


def run() -> None:
    settings = FeedbackSettings()
    serve(create(settings), settings)
