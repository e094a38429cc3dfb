"""What one unit of work reads once about ongoing situations: their open insights and the areas' owners.

A batch of feedback may touch one situation many times (ten negative items
from one account, a spike growing); it reads the open insights of all the
situations it touches in one query and keeps them current as it raises and
updates them, instead of reading each one back.
"""

from collections.abc import Iterable
from datetime import datetime

from terrain_contracts import Event
from terrain_contracts.events.insight import Insight
from terrain_kit.uow import UnitOfWork

from ..domain.insights import Draft
from ..store import insights as insights_store
from ..store import projections
from .raising import raise_or_update


class Situations:
    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow = uow
        self.now = now
        self._open: dict[str, Insight | None] = {}
        self._owners: dict[str, str] | None = None

    async def load(self, situations: Iterable[str]) -> None:
        missing = [s for s in dict.fromkeys(situations) if s not in self._open]
        if missing:
            found = await insights_store.open_for_many(self.uow, missing)
            self._open.update({s: found.get(s) for s in missing})

    async def current(self, situation: str) -> Insight | None:
        await self.load([situation])
        return self._open[situation]

    async def owner_of(self, area: str | None) -> str | None:
        if area is None:
            return None
        if self._owners is None:
            self._owners = await projections.owners(self.uow)
        return self._owners.get(area)

    async def raise_or_update(self, draft: Draft, cause: Event | None) -> Insight:
        insight = await raise_or_update(self.uow, draft, await self.current(draft.situation), cause, self.now)
        self._open[draft.situation] = insight
        return insight
