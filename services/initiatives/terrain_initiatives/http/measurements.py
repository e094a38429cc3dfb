"""A briefing's success metric measured over time: record a measurement, list them."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.types import Id, Reason, UtcDatetime
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.pagination import Page

from ..handlers import briefings
from ..handlers import measurements as handlers
from ..store import measurements as store
from .acting import Writer

router = APIRouter(prefix="/v1/initiatives/{initiative_id}/metric", tags=["metrics"])


class MeasurementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float = Field(allow_inf_nan=False, description="The metric's value, in the metric's own unit.")
    at: UtcDatetime = Field(description="When it was measured (UTC, not in the future).")
    note: Reason | None = None


class Measurement(BaseModel):
    initiative_id: str
    value: float
    at: datetime
    note: str | None
    recorded_by: str
    recorded_at: datetime


def _view(doc: dict[str, Any]) -> Measurement:
    return Measurement(**{k: doc.get(k) for k in Measurement.model_fields})


@router.post("/measurements", status_code=status.HTTP_201_CREATED, response_model=Measurement)
async def record_measurement(
    initiative_id: Id, body: MeasurementRequest, call: Writer, response: Response
) -> Measurement:
    """Record a measurement of the success metric (the owner team's pm or Product Ops); emits
    initiative.metric_measured. The same measurement again answers 200 and emits nothing; a different
    value at the same moment gets 409. The initiative's `metric` shows the latest and the progress."""
    doc, created = await call.run(handlers.record, initiative_id, body.value, body.at, body.note)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return _view(doc)


@router.get("/measurements", response_model=Page[Measurement])
async def list_measurements(
    initiative_id: Id,
    uow: Reads,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[Measurement]:
    """Every measurement, oldest first."""
    await briefings.load(uow, initiative_id)
    docs, next_cursor = await store.listing(uow, initiative_id, limit, cursor)
    return Page(items=[_view(doc) for doc in docs], next_cursor=next_cursor)
