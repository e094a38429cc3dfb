"""What handlers share across calls: settings, the clock and the classifier of each taxonomy version (built
once)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.types import utcnow
from terrain_kit.uow import UnitOfWork

from ..domain.classify import Classifier
from ..domain.taxonomy import Taxonomy
from ..settings import DetectorSettings, InsightsSettings
from ..store import taxonomy as taxonomy_store

SOURCE = "insights"


@dataclass
class Context:
    settings: InsightsSettings
    clock: Callable[[], datetime] = utcnow
    _classifiers: dict[int, Classifier] = field(default_factory=dict)
    # Spike baselines (items of a theme over the days before today) by (theme, today): past days change only
    # through late, edited or erased items, so a replica re-reads them once in a while, not on every batch.
    baselines: dict[tuple[str, datetime], tuple[int, float]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    @property
    def detectors(self) -> DetectorSettings:
        return self.settings.detectors

    async def classifier(self, uow: UnitOfWork, version: int | None = None) -> Classifier:
        """The classifier of ``version`` (default: the latest taxonomy), built on first use."""
        if version is None:
            version = await taxonomy_store.latest_version(uow)
            if version is None:  # no taxonomy yet: version 1 is empty, items are unassigned until one exists
                await taxonomy_store.insert(
                    uow, Taxonomy(), 1, "insights", "empty initial taxonomy", self.now()
                )
                version = 1
        if version not in self._classifiers:
            taxonomy = await taxonomy_store.get(uow, version)
            if taxonomy is None:
                raise LookupError(f"no taxonomy version {version}")
            self._classifiers[version] = Classifier(taxonomy, threshold=self.settings.classifier.threshold)
        return self._classifiers[version]
