"""What handlers share across calls: settings and the classifier of each taxonomy version (built once)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from terrain_kit.uow import UnitOfWork

from ..classify import Classifier
from ..settings import InsightsSettings
from ..store import TAXONOMY
from ..store import taxonomy as taxonomy_store
from ..taxonomy import Taxonomy

SOURCE = "insights"


@dataclass
class Context:
    settings: InsightsSettings
    _classifiers: dict[int, Classifier] = field(default_factory=dict)
    # Spike baselines (items of a theme over the days before today) by (theme, today): past days change only
    # through late, edited or erased items, so a replica re-reads them once in a while, not on every batch.
    baselines: dict[tuple[str, datetime], tuple[int, float]] = field(default_factory=dict)

    @property
    def detectors(self):
        return self.settings.detectors

    async def classifier(self, uow: UnitOfWork, version: int | None = None) -> Classifier:
        """The classifier of ``version`` (default: the latest taxonomy), built on first use."""
        if version is None:
            latest = await uow[TAXONOMY].find_one({}, {"_id": 1}, sort=[("_id", -1)], session=uow.session)
            if latest is None:  # no taxonomy yet: version 1 is empty, items are unassigned until one exists
                await taxonomy_store.insert(uow, Taxonomy(), author="insights", note="empty initial taxonomy")
                version = 1
            else:
                version = latest["_id"]
        if version not in self._classifiers:
            taxonomy = await taxonomy_store.get(uow, version)
            if taxonomy is None:
                raise LookupError(f"no taxonomy version {version}")
            self._classifiers[version] = Classifier(taxonomy, threshold=self.settings.classifier.threshold)
        return self._classifiers[version]


def utcnow() -> datetime:
    return datetime.now(UTC)
