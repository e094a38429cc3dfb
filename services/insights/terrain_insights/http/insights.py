"""Insights (list, detail, acknowledge, resolve), themes with trends, top demand, item classifications."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts import Role
from terrain_contracts.events.feedback import FeedbackCategory
from terrain_contracts.events.insight import Insight, InsightKind, InsightStatus
from terrain_contracts.types import Slug
from terrain_kit import api
from terrain_kit.api import Call, Reads, call_for
from terrain_kit.auth import Reader
from terrain_kit.errors import Invalid, NotFound
from terrain_kit.pagination import Page

from ..domain.aggregates import Demand, bucket_start
from ..domain.trends import theme_volumes, trend_points, trend_starts
from ..handlers import corrections, periodic, raising
from ..handlers import taxonomy as taxonomy_handlers
from ..handlers.context import Context
from ..store import aggregates, items, projections
from ..store import insights as store

router = APIRouter(prefix="/v1", tags=["insights"])
Deciders = Annotated[Call, Depends(call_for(Role.pm, Role.product_ops, Role.director))]
Correctors = Annotated[Call, Depends(call_for(Role.product_ops, Role.pm))]
Ctx = Annotated[Context, Depends(api.context)]
DEMAND_ORDER = {
    "arr": lambda d: (-d.arr_minor, -d.unique_accounts),
    "accounts": lambda d: (-d.unique_accounts, -d.arr_minor),
    "items": lambda d: (-d.items, -d.unique_accounts),
}


class ResolveBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/insights", response_model=Page[Insight])
async def list_insights(
    principal: Reader,
    uow: Reads,
    status: InsightStatus | None = None,
    kind: InsightKind | None = None,
    theme: str | None = None,
    product_area: str | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
) -> Page[Insight]:
    filters: dict[str, Any] = {
        k: v.value if hasattr(v, "value") else v
        for k, v in {"status": status, "kind": kind, "theme": theme, "product_area": product_area}.items()
        if v is not None
    }
    found, next_cursor = await store.listing(uow, filters, limit, cursor)
    return Page(items=found, next_cursor=next_cursor)


@router.get("/insights/{insight_id}", response_model=Insight)
async def get_insight(insight_id: str, principal: Reader, uow: Reads) -> Insight:
    found = await store.get(uow, insight_id)
    if found is None:
        raise NotFound(f"no insight {insight_id}")
    return found[0]


@router.post("/insights/{insight_id}/acknowledge", response_model=Insight)
async def acknowledge(insight_id: str, call: Deciders) -> Insight:
    return await call.run(raising.acknowledge, call.context, insight_id)


@router.post("/insights/{insight_id}/resolve", response_model=Insight)
async def resolve(insight_id: str, body: ResolveBody, call: Deciders) -> Insight:
    return await call.run(raising.resolve_by, call.context, insight_id, body.reason, call.principal.actor)


@router.get("/themes")
async def themes(
    principal: Reader, uow: Reads, context: Ctx, days: int = Query(default=14, ge=1, le=90)
) -> list[dict]:
    """Every theme with its area, owning team (null: unowned), and daily volume over ``days`` vs the days
    before."""
    now = context.now()
    today = bucket_start(now, "day")
    docs = await aggregates.range_of(uow, "theme", "day", today - timedelta(days=2 * days - 1), now)
    taxonomy = await taxonomy_handlers.current(uow)
    return theme_volumes(taxonomy, await projections.owners(uow), docs, today, days)


@router.get("/themes/{slug}/trend")
async def trend(
    slug: str,
    principal: Reader,
    uow: Reads,
    context: Ctx,
    period: str = Query(default="day", pattern="^(hour|day)$"),
    buckets: int = Query(default=30, ge=1, le=24 * 31),
) -> dict:
    starts = trend_starts(bucket_start(context.now(), period), period, buckets)
    docs = await aggregates.buckets(uow, "theme", slug, period, starts)
    return {"theme": slug, "period": period, "points": trend_points(docs, starts, period)}


@router.get("/demand/top")
async def top_demand(
    principal: Reader,
    uow: Reads,
    context: Ctx,
    segment: str | None = None,
    days: int = Query(default=30, ge=1, le=365),
    by: str = Query(default="arr", pattern="^(arr|accounts|items)$"),
    limit: int = Query(default=10, ge=1, le=100),
) -> list[dict]:
    """Themes ranked by ARR of the accounts asking (or unique accounts, or items), optionally per segment."""
    ranked: list[Demand] = await periodic.ranking(uow, context.now(), days, segment)
    return [
        {
            "theme": d.theme,
            "items": d.items,
            "unique_accounts": d.unique_accounts,
            "arr_minor_by_currency": d.arr_by_currency,
        }
        for d in sorted(ranked, key=DEMAND_ORDER[by])[:limit]
    ]


@router.get("/items/{feedback_id}")
async def item(feedback_id: str, principal: Reader, uow: Reads) -> dict:
    """The classification of one feedback item, with Product Ops' correction if any."""
    doc = await items.get(uow, feedback_id)
    if doc is None or doc.get("erased"):
        raise NotFound(f"no classified item {feedback_id}")
    return corrections.view(doc)


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: Slug | None = Field(
        default=None, description="The right theme; null: no theme fits. Leave out to keep the theme."
    )
    kind: FeedbackCategory | None = Field(default=None, description="The right kind; leave out to keep it.")


@router.put("/items/{feedback_id}/correction")
async def correct(feedback_id: str, body: CorrectionBody, call: Correctors) -> dict:
    """File the item under the right theme (or none) and kind. The item keeps them through edits and replays,
    and its text becomes an example of the theme for the next classifications."""
    if not body.model_fields_set:
        raise Invalid("theme", "give a theme (or null for none) or a kind")
    theme = body.theme if "theme" in body.model_fields_set else corrections.UNSET
    kind = body.kind.value if body.kind else None
    view = await call.run(corrections.correct, call.context, feedback_id, theme, kind, call.principal.actor)
    call.context.forget_learned()  # this replica's next classification learns from it at once
    return view
