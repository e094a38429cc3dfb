"""Background work, each job on one replica at a time (leases): periodic detectors (unowned demand on a
short tick, the others every detectors interval), clustering, replays."""

import asyncio
import logging

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service

from .handlers import periodic, replay
from .handlers.context import Context, utcnow
from .handlers.windows import DemandWindows
from .store import items, upgrade

log = logging.getLogger(__name__)

UNOWNED_CHUNK = 5  # themes per transaction: a cold window reads every account-day of 30 days
UPGRADE_CHUNK = 200
MIN_LEASE_SECONDS = 10.0  # a dead holder's lease is taken over within this, however short the tick


def background(ctx: Context) -> list:
    settings = ctx.settings.periodic

    async def detectors(service: Service) -> None:
        run = service.transactions.run
        loop = asyncio.get_running_loop()
        last_full: float | None = None
        upgraded = False
        windows = DemandWindows(ctx.detectors.demand_days)

        async def job() -> None:
            nonlocal last_full, upgraded
            if not upgraded:
                todo = await upgrade.pending(service.db)
                if upgrade.ITEMS_MARKER in todo:
                    await upgrade.items(service.db)
                while upgrade.BUCKETS_MARKER in todo and await run(
                    lambda uow: upgrade.buckets_chunk(uow, UPGRADE_CHUNK)
                ):
                    pass
                upgraded = True
            await unowned_demand(run, windows)
            if last_full is None or loop.time() - last_full >= settings.detectors_interval_seconds:
                last_full = loop.time()
                await run(lambda uow: periodic.resolve_faded_spikes(uow, ctx))
                await warm(run, windows)
                await run(lambda uow: periodic.top_demand(uow, ctx, windows))
                await run(lambda uow: periodic.lacking_evidence(uow, ctx))

        tick = min(settings.unowned_interval_seconds, settings.detectors_interval_seconds)
        lease = Lease(service.db, "insights-detectors", service.instance, max(tick * 3, MIN_LEASE_SECONDS))
        await every(tick, lease, job)

    async def unowned_demand(run, windows: DemandWindows) -> None:
        touched, started = await run(lambda uow: periodic.buckets_touched(uow, ctx))
        themes = windows.changed(touched)
        for n in range(0, len(themes), UNOWNED_CHUNK):  # bounded transactions, however many themes moved
            chunk = themes[n : n + UNOWNED_CHUNK]
            await run(lambda uow, chunk=chunk: periodic.unowned_demand(uow, ctx, windows, chunk))
        await run(lambda uow: periodic.unowned_demand_ran(uow, started, len(themes)))

    async def warm(run, windows: DemandWindows) -> None:
        """Read the windows not read yet in bounded transactions, so top demand only merges what changed."""
        themes = await run(lambda uow: periodic.themes_in_demand(uow, ctx))
        cold = [theme for theme in themes if theme not in windows.themes]
        for n in range(0, len(cold), UNOWNED_CHUNK):
            chunk = cold[n : n + UNOWNED_CHUNK]
            await run(lambda uow, chunk=chunk: windows.current(uow, chunk, utcnow()))

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
            if running is None:
                return
            async for ids in items.ids_after(service.db, running["cursor"], settings.replay_chunk):
                if not await service.transactions.run(
                    lambda uow, ids=ids: replay.step(uow, ctx, running["_id"], ids)
                ):
                    return  # cancelled, or finished by another replica
                if not await lease.acquire():  # renew; another replica took over after an expiry
                    return
            await service.transactions.run(lambda uow: replay.finish(uow, running["_id"]))

        await every(settings.replay_poll_seconds, lease, job)

    return [detectors, clustering, replays]
