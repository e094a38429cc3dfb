"""Composition root: settings -> context -> service (consumers, dispatcher, periodic jobs) -> HTTP app."""

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import jobs, subscribers
from .handlers import rules
from .handlers.context import Context
from .http import ROUTERS
from .jobs.channels.http import check_hosts
from .jobs.dispatcher import Dispatcher
from .settings import NotifierSettings
from .store import INDEXES

PUBLISHES = published_by("notifier")


def create(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    context = Context(settings, check_hosts=check_hosts)
    dispatcher = Dispatcher(context)
    context.wake = dispatcher.wake
    # A bad rules file stops the start-up here, with every bad field named.
    rules_file = rules.load_file(settings.rules_file, settings.ssrf_allow) if settings.rules_file else None
    service = Service(
        "notifier",
        settings,
        consumers=subscribers.declare(context),
        indexes=INDEXES,
        publishes=PUBLISHES,
        background=jobs.background(context, dispatcher, rules_file),
    )
    app = create_app(
        service,
        title="Terrain notifier",
        description="Routing insights to the owning PMs over Slack, email, webhooks and the in-app "
        "inbox; digests, quiet hours, escalations; closing the loop.",
        routers=ROUTERS,
    )
    app.state.context = context
    app.state.dispatcher = dispatcher
    return app


def run() -> None:
    settings = NotifierSettings()
    serve(create(settings), settings)
