"""What use cases need besides the database: the clock, the scoring weights, limits."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from terrain_contracts.types import utcnow

from ..domain.evidence import Weights


@dataclass
class Context:
    """Built once from the settings in ``main.py``; tests move ``clock`` to move time."""

    weights: Weights
    ballot_quorum: int
    max_links: int
    # Directors who have not voted are reminded this long before a ballot closes.
    ballot_reminder: timedelta = timedelta(hours=24)
    # An overdue dependency still unanswered this many days later is escalated to Product Ops.
    dependency_escalation_days: int = 2
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()
