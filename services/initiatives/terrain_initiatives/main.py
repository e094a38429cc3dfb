"""Composition root: settings -> context -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

import logging

from fastapi import FastAPI
from terrain_contracts import Role
from terrain_contracts.registry import published_by
from terrain_kit.http import create_app
from terrain_kit.leases import Lease, every
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from . import metrics, store
from .domain.access import Actor
from .domain.errors import DomainError
from .domain.evidence import Weights
from .handlers import Context, ballots, dependencies, maintenance
from .http import ROUTERS
from .http.common import domain_error
from .settings import InitiativesSettings
from .subscribers import declare

log = logging.getLogger(__name__)

PUBLISHES = published_by("initiatives")
# Who closes ballots whose window ended, in the ballot and its ballot.closed event.
SCHEDULER = Actor(role=Role.admin, member_id=None, name="initiatives-scheduler")


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
    )


async def run_maintenance(service: Service, ctx: Context) -> None:
    """Flag overdue dependencies and close ballots whose window ended (each its own transaction)."""
    flagged = await service.transactions.run(lambda uow: dependencies.flag_overdue(uow, ctx))
    if flagged:
        log.info("dependencies flagged overdue", extra={"count": flagged})
    for ballot_id in await ballots.close_ended(store.reader(service.db), ctx):
        try:
            doc, announced = await service.transactions.run(
                lambda uow, b=ballot_id: ballots.close(uow, SCHEDULER, ctx, b)
            )
        except DomainError as refused:  # e.g. Product Ops closed it at the same moment
            log.info(
                "ballot not closed by the scheduler", extra={"ballot": ballot_id, "reason": refused.reason}
            )
            continue
        if announced:
            metrics.BALLOTS_CLOSED.labels(str(doc["result"]["quorum_met"]).lower(), "scheduler").inc()
    metrics.OVERDUE.set(await maintenance.overdue_count(store.reader(service.db), ctx))


def background(ctx: Context, interval: float):
    async def initiatives_maintenance(service: Service) -> None:
        try:
            rescored = await service.transactions.run(
                lambda uow: maintenance.rescore_if_weights_changed(uow, ctx)
            )
        except Exception:
            # Scores stay as they were until the next start; the periodic work must still run.
            log.exception("rescoring after a change of priority weights failed")
        else:
            if rescored:
                log.info("priority weights changed: initiatives rescored", extra={"count": rescored})
        lease = Lease(
            service.db, "initiatives-maintenance", service.instance, ttl_seconds=max(interval * 3, 10)
        )
        await every(interval, lease, lambda: run_maintenance(service, ctx))

    return initiatives_maintenance


def create(settings: InitiativesSettings | None = None) -> FastAPI:
    settings = settings or InitiativesSettings()
    ctx = context_for(settings)
    service = Service(
        "initiatives",
        settings,
        consumers=declare(ctx),
        indexes=store.INDEXES,
        publishes=PUBLISHES,
        background=[background(ctx, settings.maintenance_interval_seconds)],
    )
    app = create_app(
        service,
        title="Terrain initiatives",
        routers=ROUTERS,
        description="Product Initiative Briefings, teams and ownership, dependencies, "
        "quarterly alignment and the directors' vote.",
    )
    app.state.context = ctx
    app.add_exception_handler(DomainError, domain_error)
    return app


def run() -> None:
    settings = InitiativesSettings()
    serve(create(settings), settings)
