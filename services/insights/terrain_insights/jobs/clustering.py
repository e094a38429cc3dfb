"""Emerging-theme candidates, re-clustered from recent unassigned items on one replica at a time."""

import logging

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service

from ..handlers import periodic
from ..handlers.context import Context

log = logging.getLogger(__name__)


async def run(context: Context, service: Service) -> None:
    async def job() -> None:
        found = await service.transactions.run(lambda uow: periodic.refresh_candidates(uow, context))
        log.info("emerging-theme candidates refreshed", extra={"candidates": found})

    interval = context.settings.periodic.clustering_interval_seconds
    await every(interval, Lease(service.db, "insights-clustering", service.instance, interval * 2), job)
