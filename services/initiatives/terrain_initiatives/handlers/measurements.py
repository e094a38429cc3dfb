"""A briefing's success metric measured: record a measurement, keep the latest, announce it."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.initiative import InitiativeMetricMeasured, MetricMeasuredData
from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor, require_team_pm
from ..domain.measurements import check_measured_at, is_latest, progress
from ..store import measurements as store
from . import event
from .briefings import load, owner_team
from .context import Context


async def record(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    value: float,
    at: datetime,
    note: str | None,
) -> tuple[dict[str, Any], bool]:
    """Store a measurement (the owner team's pm, or Product Ops; shipped initiatives too: that is when
    the metric moves). The same measurement again answers the stored one and emits nothing."""
    doc = await load(uow, initiative_id)
    metric = doc.get("success_metric")
    if not metric:
        raise Conflict(
            f"initiative {initiative_id} has no success metric to measure: set success_metric first"
        )
    if doc["status"] == "dropped":
        raise Conflict(f"initiative {initiative_id} is dropped: its metric is no longer measured")
    require_team_pm(actor, await owner_team(uow, doc), "measure its initiatives' metrics")
    check_measured_at(at, context.now())
    held = await store.get(uow, initiative_id, at)
    if held is not None:
        if held["value"] != value or held.get("note") != note:
            raise Conflict(f"a different measurement at {at.isoformat()} is already recorded")
        return held, False
    measurement = {
        "_id": store.measurement_id(initiative_id, at),
        "initiative_id": initiative_id,
        "value": value,
        "at": at,
        "note": note,
        "recorded_by": actor.name,
        "recorded_at": context.now(),
    }
    await store.insert(uow, measurement)
    latest = doc.get("metric_latest")
    if is_latest(at, latest):
        latest = {"value": value, "at": at}
        await store.set_latest(uow, initiative_id, latest)
    uow.emit(
        event(
            InitiativeMetricMeasured,
            MetricMeasuredData(
                initiative_id=initiative_id,
                owner_team_id=doc["owner_team_id"],
                quarter=doc["quarter"],
                metric_name=metric["name"],
                value=value,
                measured_at=at,
                note=note,
                baseline=metric.get("baseline"),
                target_value=metric.get("target_value"),
                progress=progress(metric, latest["value"] if latest else None),
                recorded_by=actor.name,
            ),
        )
    )
    return measurement, True
