"""The periodic detectors, on the replica holding their lease: unowned demand on a short tick over the themes
touched since its last run; faded spikes, top demand and lacking evidence every detectors interval. The
replica keeps its demand windows between ticks; the first tick also runs the start-up upgrades."""

import asyncio
from collections.abc import Sequence
from functools import partial

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service

from ..handlers import periodic
from ..handlers.context import Context
from ..handlers.windows import DemandWindows
from ..store import upgrade

UNOWNED_CHUNK = 5  # themes per transaction: a cold window reads every account-day of 30 days
UPGRADE_CHUNK = 200
MIN_LEASE_SECONDS = 10.0  # a dead holder's lease is taken over within this, however short the tick


def chunks(themes: Sequence[str], size: int = UNOWNED_CHUNK) -> list[list[str]]:
    """Bounded transactions, however many themes moved."""
    return [list(themes[n : n + size]) for n in range(0, len(themes), size)]


class Detectors:
    def __init__(self, context: Context, service: Service) -> None:
        self.context = context
        self.service = service
        self.transaction = service.transactions.run
        self.windows = DemandWindows(context.detectors.demand_days)
        self.upgraded = False
        self.last_full: float | None = None  # loop time of the last pass of the slower detectors

    async def run(self) -> None:
        settings = self.context.settings.periodic
        tick = min(settings.unowned_interval_seconds, settings.detectors_interval_seconds)
        ttl = max(tick * 3, MIN_LEASE_SECONDS)
        await every(tick, Lease(self.service.db, "insights-detectors", self.service.instance, ttl), self.tick)

    async def tick(self) -> None:
        if not self.upgraded:
            await self.upgrade()
        await self.unowned_demand()
        now = asyncio.get_running_loop().time()
        if (
            self.last_full is None
            or now - self.last_full >= self.context.settings.periodic.detectors_interval_seconds
        ):
            self.last_full = now
            await self.slower_detectors()

    async def upgrade(self) -> None:
        """Data written by earlier versions, once per database (markers)."""
        todo = await upgrade.pending(self.service.db)
        if upgrade.ITEMS_MARKER in todo:
            await upgrade.items(self.service.db, self.context.now())
        if upgrade.BUCKETS_MARKER in todo:
            while await self.transaction(
                partial(upgrade.buckets_chunk, chunk=UPGRADE_CHUNK, now=self.context.now())
            ):
                pass
        self.upgraded = True

    async def unowned_demand(self) -> None:
        context, windows = self.context, self.windows
        touched, started = await self.transaction(lambda uow: periodic.buckets_touched(uow, context))
        themes = windows.changed(touched)
        for chunk in chunks(themes):
            await self.transaction(
                partial(periodic.unowned_demand, context=context, windows=windows, themes=chunk)
            )
        await self.transaction(lambda uow: periodic.unowned_demand_ran(uow, started, len(themes)))

    async def slower_detectors(self) -> None:
        context, windows = self.context, self.windows
        await self.transaction(lambda uow: periodic.resolve_faded_spikes(uow, context))
        await self.warm()
        await self.transaction(lambda uow: periodic.top_demand(uow, context, windows))
        await self.transaction(lambda uow: periodic.lacking_evidence(uow, context))

    async def warm(self) -> None:
        """Read the windows not read yet in bounded transactions, so top demand only merges what changed."""
        themes = await self.transaction(lambda uow: periodic.themes_in_demand(uow, self.context))
        cold = [theme for theme in themes if theme not in self.windows.themes]
        for chunk in chunks(cold):
            await self.transaction(partial(self.windows.current, themes=chunk, now=self.context.now()))
