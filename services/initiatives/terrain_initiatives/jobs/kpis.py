"""The KPI gauges, refreshed on every replica (each computes the same figures from the database)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from terrain_kit.service import Service
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain import kpis as rules
from ..handlers import kpis as handlers
from ..handlers.context import Context

log = logging.getLogger(__name__)


def figures(found: rules.QuarterKpis) -> dict[tuple[str, str], float | None]:
    """{(kpi, team): value} of one quarter; team "all" is the quarter as a whole."""
    values: dict[tuple[str, str], float | None] = {("briefing_adoption", "all"): found.adoption.share}
    for kpis in (found.total, *found.teams):
        team = kpis.team_id or "all"
        values |= {
            ("feedback_items", team): float(kpis.feedback.items),
            ("triaged_share", team): kpis.feedback.triaged.share,
            ("triage_median_hours", team): kpis.feedback.median_triage_hours,
            ("linked_share", team): kpis.feedback.linked.share,
            ("loop_closure_rate", team): kpis.loop_closure.share,
            ("evidence_backed_share", team): kpis.evidence_backed.share,
            ("dependency_answer_median_hours", team): kpis.median_answer_hours,
            ("vote_participation", team): kpis.vote_participation.share,
        }
        if kpis.adopted is not None:
            values[("briefing_adoption", team)] = float(kpis.adopted)
    return values


async def refresh(uow: UnitOfWork, context: Context) -> int:
    """Compute the previous, current and next quarters, then replace every gauge value at once (no await
    in between: a scrape sees one refresh or the other, and quarters that rolled out disappear)."""
    now = context.now()
    values = {
        (kpi, team, quarter): value
        for quarter in rules.quarters_around(now)
        for (kpi, team), value in figures(await handlers.quarter_kpis(uow, quarter, now)).items()
        if value is not None
    }
    metrics.KPI.clear()
    for labels, value in values.items():
        metrics.KPI.labels(*labels).set(value)
    return len(values)


def gauges(context: Context, interval: float) -> Callable[[Service], Awaitable[None]]:
    async def initiatives_kpis(service: Service) -> None:
        while True:
            try:
                await refresh(UnitOfWork.read_only(service.db), context)
            except Exception:
                log.exception("KPI gauges not refreshed; next try in the usual interval")
            await asyncio.sleep(interval)

    return initiatives_kpis
