"""Composition root: settings -> context -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from datetime import timedelta

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.errors import DomainError
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import store, subscribers
from .domain.evidence import Weights
from .handlers.context import Context
from .http import ROUTERS
from .http.acting import refused
from .jobs.kpis import gauges
from .jobs.maintenance import background
from .jobs.tracker.sync import TrackerSync
from .settings import InitiativesSettings

PUBLISHES = published_by("initiatives")


def context_for(settings: InitiativesSettings) -> Context:
    weights = settings.priority
    return Context(
        weights=Weights(
            arr=weights.arr,
            accounts=weights.accounts,
            votes=weights.votes,
            arr_unit=weights.arr_unit,
            size_factors=dict(weights.size_factors),
            currency_rates=dict(weights.currency_rates),
        ),
        ballot_quorum=settings.ballot_quorum,
        max_links=settings.max_links_per_initiative,
        ballot_reminder=timedelta(hours=settings.ballot_reminder_hours),
        dependency_escalation_days=settings.dependency_escalation_days,
    )


def create(settings: InitiativesSettings | None = None) -> FastAPI:
    settings = settings or InitiativesSettings()
    context = context_for(settings)
    tracker = TrackerSync(settings.tracker, context)  # the issue tracker (Jira), none by default
    service = Service(
        "initiatives",
        settings,
        consumers=subscribers.declare(context, tracker.wake),
        indexes=store.INDEXES,
        publishes=PUBLISHES,
        background=[
            background(context, settings.maintenance_interval_seconds),
            tracker.run,
            gauges(context, settings.maintenance_interval_seconds),
        ],
    )
    app = create_app(
        service,
        title="Terrain initiatives",
        routers=ROUTERS,
        description="Product Initiative Briefings, teams and ownership, dependencies, "
        "quarterly alignment and the directors' vote.",
    )
    app.state.context = context
    app.state.tracker = tracker
    app.add_exception_handler(DomainError, refused)  # the kit's JSON answer, counted by status
    return app


def run() -> None:
    settings = InitiativesSettings()
    serve(create(settings), settings)
