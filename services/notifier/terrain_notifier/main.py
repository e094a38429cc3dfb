"""Composition root: settings -> context -> service (consumers, dispatcher, periodic jobs) -> HTTP app."""

from fastapi import FastAPI
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.leases import Lease, every
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import subscribers
from .dispatcher import Dispatcher
from .handlers import Context, periodic, rules
from .http import deliveries, inbox, members
from .http import rules as rules_routes
from .settings import NotifierSettings
from .store import INDEXES

PUBLISHES = published_by("notifier")


def create(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    ctx = Context(settings)
    dispatcher = Dispatcher(ctx)
    ctx.wake = dispatcher.wake
    # A bad rules file stops the start-up here, with every bad field named.
    rules_file = rules.load_file(settings.rules_file, settings.ssrf_allow) if settings.rules_file else None

    async def apply_rules_file(service: Service) -> None:
        if rules_file is not None:
            await service.transactions.run(lambda uow: rules.apply_file(uow, *rules_file, ctx.clock()))

    def periodic_job(name: str, job):
        async def task(service: Service) -> None:
            interval = settings.policy.periodic_seconds
            lease = Lease(
                service.db, f"notifier-{name}", service.instance, ttl_seconds=max(3 * interval, 10.0)
            )
            await every(interval, lease, lambda: job(service.transactions, ctx))

        task.__name__ = name
        return task

    service = Service(
        "notifier",
        settings,
        consumers=subscribers.build(ctx),
        indexes=INDEXES,
        publishes=PUBLISHES,
        background=[
            apply_rules_file,
            dispatcher.run,
            periodic_job("digests", periodic.send_digests),
            periodic_job("escalations", periodic.escalate),
        ],
    )
    app = create_app(
        service,
        title="Terrain notifier",
        description="Routing insights to the owning PMs over Slack, email, webhooks and the in-app "
        "inbox; digests, quiet hours, escalations; closing the loop.",
        routers=[rules_routes.router, members.router, inbox.router, deliveries.router],
    )
    app.state.ctx = ctx
    app.state.dispatcher = dispatcher
    return app


def run() -> None:
    settings = NotifierSettings()
    serve(create(settings), settings)
