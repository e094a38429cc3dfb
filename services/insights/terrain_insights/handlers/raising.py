"""Raising, updating and resolving insights: one insight per ongoing situation, versions counted."""

from datetime import datetime
from uuid import uuid4

from terrain_contracts import Event
from terrain_contracts.events.insight import (
    Insight,
    InsightData,
    InsightDetected,
    InsightResolved,
    InsightResolvedData,
    InsightStatus,
    InsightUpdated,
    InsightUpdatedData,
)
from terrain_kit.errors import Conflict, NotFound
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.insights import Draft, new_insight, revised, with_status
from ..store import insights as store
from .context import SOURCE, Context


async def raise_or_update(
    uow: UnitOfWork, draft: Draft, current: Insight | None, cause: Event | None, now: datetime
) -> Insight:
    """Detect a new situation, or update the open insight of an ongoing one (version + 1) if anything changed.

    Returns the situation's insight as it now stands."""
    if current is None:
        insight = new_insight(f"ins-{uuid4().hex[:20]}", draft, now)
        await store.create(uow, insight, draft.situation)
        uow.emit(InsightDetected.create(InsightData(insight=insight), source=SOURCE, cause=cause))
        metrics.INSIGHTS.labels(insight.kind.value, insight.severity.value, "detected").inc()
        return insight
    updated, changed = revised(current, draft, now)
    if not changed:
        return current
    await store.replace(uow, updated, draft.situation)
    uow.emit(
        InsightUpdated.create(
            InsightUpdatedData(insight=updated, changed_fields=changed), source=SOURCE, cause=cause
        )
    )
    metrics.INSIGHTS.labels(updated.kind.value, updated.severity.value, "updated").inc()
    return updated


async def resolve(
    uow: UnitOfWork, current: Insight, reason: str, now: datetime, cause: Event | None = None
) -> Insight:
    resolved = with_status(current, InsightStatus.resolved, now)
    await store.replace(uow, resolved, situation=None)
    uow.emit(
        InsightResolved.create(
            InsightResolvedData(insight=resolved, reason=reason[:2000]), source=SOURCE, cause=cause
        )
    )
    metrics.INSIGHTS.labels(resolved.kind.value, resolved.severity.value, "resolved").inc()
    return resolved


async def acknowledge(uow: UnitOfWork, context: Context, insight_id: str) -> Insight:
    """A person has seen the insight: it stays the situation's insight, acknowledged."""
    found = await store.get(uow, insight_id)
    if found is None:
        raise NotFound(f"no insight {insight_id}")
    insight, situation = found
    if insight.status is not InsightStatus.open:
        raise Conflict(f"insight {insight_id} is {insight.status.value}")
    acknowledged = with_status(insight, InsightStatus.acknowledged, context.now())
    await store.replace(uow, acknowledged, situation)
    uow.emit(
        InsightUpdated.create(
            InsightUpdatedData(insight=acknowledged, changed_fields=["status"]), source=SOURCE
        )
    )
    return acknowledged


async def resolve_by(uow: UnitOfWork, context: Context, insight_id: str, reason: str, actor: str) -> Insight:
    """A person resolves the insight (churn risk is resolved only this way)."""
    found = await store.get(uow, insight_id)
    if found is None:
        raise NotFound(f"no insight {insight_id}")
    if found[0].status is InsightStatus.resolved:
        raise Conflict(f"insight {insight_id} is already resolved")
    return await resolve(uow, found[0], f"{reason} (by {actor})", context.now())
