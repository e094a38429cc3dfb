"""What handlers share across calls: settings, the clock and the classifier of each taxonomy version (built
once per version and revision of the learned examples)."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.types import utcnow
from terrain_kit.uow import UnitOfWork

from ..domain.classify import Classifier
from ..domain.taxonomy import Taxonomy
from ..settings import DetectorSettings, InsightsSettings
from ..store import learned
from ..store import taxonomy as taxonomy_store

SOURCE = "insights"
KEPT_CLASSIFIERS = 4  # a replay of an old version runs beside live traffic on the latest


@dataclass
class Context:
    settings: InsightsSettings
    clock: Callable[[], datetime] = utcnow
    _classifiers: dict[tuple[int, int], Classifier] = field(default_factory=dict)
    _learned: tuple[int, float] | None = None  # (revision, when it was read, monotonic)
    _building: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Spike baselines (items of a theme over the days before today) by (theme, today): past days change only
    # through late, edited or erased items, so a replica re-reads them once in a while, not on every batch.
    baselines: dict[tuple[str, datetime], tuple[int, float]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    @property
    def detectors(self) -> DetectorSettings:
        return self.settings.detectors

    def forget_learned(self) -> None:
        """The learned examples changed: the next classification reads their revision again."""
        self._learned = None

    async def _learned_revision(self, uow: UnitOfWork) -> int:
        refresh = self.settings.classifier.learned_refresh_seconds
        if self._learned is None or time.monotonic() - self._learned[1] >= refresh:
            self._learned = (await learned.revision(uow), time.monotonic())
        return self._learned[0]

    async def classifier(self, uow: UnitOfWork, version: int | None = None) -> Classifier:
        """The classifier of ``version`` (default: the latest taxonomy) with the learned examples, built on
        first use in a worker thread (fitting a large taxonomy takes seconds)."""
        if version is None:
            version = await taxonomy_store.latest_version(uow)
            if version is None:  # no taxonomy yet: version 1 is empty, items are unassigned until one exists
                await taxonomy_store.insert(
                    uow, Taxonomy(), 1, "insights", "empty initial taxonomy", self.now()
                )
                version = 1
        key = (version, await self._learned_revision(uow))
        if key not in self._classifiers:
            taxonomy = await taxonomy_store.get(uow, version)
            if taxonomy is None:
                raise LookupError(f"no taxonomy version {version}")
            examples = await learned.examples(uow)
            async with self._building:
                if key not in self._classifiers:
                    self._classifiers[key] = await asyncio.to_thread(self._build, taxonomy, examples)
                    while len(self._classifiers) > KEPT_CLASSIFIERS:
                        self._classifiers.pop(next(iter(self._classifiers)))
        return self._classifiers[key]

    def _build(self, taxonomy: Taxonomy, examples: dict[str, list[str]]) -> Classifier:
        settings = self.settings.classifier
        return Classifier(taxonomy, settings.threshold, examples, settings.percentile)
