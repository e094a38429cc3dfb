"""What use cases need besides the database: the clock, the scoring weights, limits."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from terrain_contracts.types import utcnow

from ..domain.evidence import Weights


@dataclass
class Context:
    """Built once from the settings in ``main.py``; tests move ``clock`` to move time."""

    weights: Weights
    ballot_quorum: int
    max_links: int
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()
