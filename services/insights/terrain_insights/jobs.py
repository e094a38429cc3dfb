"""Background work, each job on one replica at a time (leases): periodic detectors, clustering, replays."""

import asyncio
import logging

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service

from .handlers import periodic, replay
from .handlers.context import Context

log = logging.getLogger(__name__)


def background(ctx: Context) -> list:
    settings = ctx.settings.periodic

    async def detectors(service: Service) -> None:
        async def job() -> None:
            await service.transactions.run(lambda uow: periodic.resolve_faded_spikes(uow, ctx))
            await service.transactions.run(lambda uow: periodic.top_demand(uow, ctx))
            await service.transactions.run(lambda uow: periodic.lacking_evidence(uow, ctx))

        interval = settings.detectors_interval_seconds
        await every(interval, Lease(service.db, "insights-detectors", service.instance, interval * 3), job)

    async def clustering(service: Service) -> None:
        async def job() -> None:
            found = await service.transactions.run(lambda uow: periodic.refresh_candidates(uow, ctx))
            log.info("emerging-theme candidates refreshed", extra={"candidates": found})

        interval = settings.clustering_interval_seconds
        await every(interval, Lease(service.db, "insights-clustering", service.instance, interval * 2), job)

    async def replays(service: Service) -> None:
        lease = Lease(service.db, "insights-replay", service.instance, 60)

        async def job() -> None:
            running = await service.transactions.run(replay.next_job)
            while running is not None:
                more = await service.transactions.run(
                    lambda uow: replay.step(uow, ctx, running["_id"], settings.replay_chunk))
                if not more:
                    break
                if not await lease.acquire():  # renew; another replica took over after an expiry
                    return
                await asyncio.sleep(0)

        await every(settings.replay_poll_seconds, lease, job)

    return [detectors, clustering, replays]
