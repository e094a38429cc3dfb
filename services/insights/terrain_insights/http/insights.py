"""Insights (list, detail, acknowledge, resolve), themes with trends, top demand, item classifications."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from terrain_contracts import Role
from terrain_contracts.events.insight import Insight, InsightKind, InsightStatus
from terrain_kit.auth import Principal, require
from terrain_kit.pagination import Page, page
from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import bucket_start
from ..handlers import periodic, raising
from ..handlers import taxonomy as taxonomy_handlers
from ..handlers.context import utcnow
from ..store import INSIGHTS, aggregates, items, projections
from ..store import insights as store
from . import service

router = APIRouter(prefix="/v1", tags=["insights"])
reader = Depends(require())
deciders = require(Role.pm, Role.product_ops, Role.director)


class ResolveBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/insights", response_model=Page[Insight], dependencies=[reader])
async def list_insights(
    request: Request,
    status: InsightStatus | None = None,
    kind: InsightKind | None = None,
    theme: str | None = None,
    product_area: str | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
) -> Page[Insight]:
    query: dict[str, Any] = {
        k: v.value if hasattr(v, "value") else v
        for k, v in {"status": status, "kind": kind, "theme": theme, "product_area": product_area}.items()
        if v is not None
    }
    docs, next_cursor = await page(
        service(request).db[INSIGHTS], query, sort=("detected_at", -1), limit=limit, cursor=cursor
    )
    return Page(items=[store._insight(d) for d in docs], next_cursor=next_cursor)


@router.get("/insights/{insight_id}", response_model=Insight, dependencies=[reader])
async def get_insight(insight_id: str, request: Request) -> Insight:
    found = await service(request).transactions.run(lambda uow: store.get(uow, insight_id))
    if found is None:
        raise HTTPException(404, f"no insight {insight_id}")
    return found[0]


@router.post("/insights/{insight_id}/acknowledge", response_model=Insight)
async def acknowledge(insight_id: str, request: Request, principal: Principal = Depends(deciders)) -> Insight:
    async def work(uow: UnitOfWork) -> Insight:
        found = await store.get(uow, insight_id)
        if found is None:
            raise HTTPException(404, f"no insight {insight_id}")
        insight, situation = found
        if insight.status is not InsightStatus.open:
            raise HTTPException(409, f"insight {insight_id} is {insight.status.value}")
        return await raising.acknowledge(uow, insight, situation)

    return await service(request).transactions.run(work)


@router.post("/insights/{insight_id}/resolve", response_model=Insight)
async def resolve(
    insight_id: str, body: ResolveBody, request: Request, principal: Principal = Depends(deciders)
) -> Insight:
    async def work(uow: UnitOfWork) -> Insight:
        found = await store.get(uow, insight_id)
        if found is None:
            raise HTTPException(404, f"no insight {insight_id}")
        if found[0].status is InsightStatus.resolved:
            raise HTTPException(409, f"insight {insight_id} is already resolved")
        return await raising.resolve(uow, found[0], f"{body.reason} (by {principal.actor})")

    return await service(request).transactions.run(work)


@router.get("/themes", dependencies=[reader])
async def themes(request: Request, days: int = Query(default=14, ge=1, le=90)) -> list[dict]:
    """Every theme with its area, owning team (null: unowned), and daily volume over ``days`` vs the days before."""

    async def work(uow: UnitOfWork) -> list[dict]:
        taxonomy = await taxonomy_handlers.current(uow)
        owners = await projections.owners(uow)
        today = bucket_start(utcnow(), "day")
        docs = await aggregates.range_of(uow, "theme", "day", today - timedelta(days=2 * days - 1), utcnow())
        series: dict[str, dict] = {}
        for doc in docs:
            series.setdefault(doc["key"], {})[doc["start"]] = doc
        out = []
        for area, theme in taxonomy.themes:
            by_day = series.get(theme.slug, {})
            recent = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
            earlier = [day - timedelta(days=days) for day in recent]
            current = sum(int(by_day.get(d, {}).get("items", 0)) for d in recent)
            previous = sum(int(by_day.get(d, {}).get("items", 0)) for d in earlier)
            out.append(
                {
                    "theme": theme.slug,
                    "name": theme.name,
                    "product_area": area,
                    "owning_team_id": owners.get(area),
                    "unowned": area not in owners,
                    "items": current,
                    "previous_items": previous,
                    "change": None if previous == 0 else round((current - previous) / previous, 3),
                    "daily": [
                        {"day": d.date().isoformat(), "items": int(by_day.get(d, {}).get("items", 0))}
                        for d in recent
                    ],
                }
            )
        return out

    return await service(request).transactions.run(work)


@router.get("/themes/{slug}/trend", dependencies=[reader])
async def trend(
    slug: str,
    request: Request,
    period: str = Query(default="day", pattern="^(hour|day)$"),
    buckets: int = Query(default=30, ge=1, le=24 * 31),
) -> dict:
    step = timedelta(hours=1) if period == "hour" else timedelta(days=1)
    last = bucket_start(utcnow(), period)
    starts = [last - step * n for n in range(buckets - 1, -1, -1)]
    docs = await service(request).transactions.run(
        lambda uow: aggregates.buckets(uow, "theme", slug, period, starts)
    )
    by_start = {d["start"]: d for d in docs}
    points = []
    for start in starts:
        doc = by_start.get(start, {})
        items_count = int(doc.get("items", 0))
        point = {
            "start": start,
            "items": items_count,
            "sentiment_mean": round(doc.get("sentiment_sum", 0.0) / items_count, 3) if items_count else None,
            "sentiment": doc.get("sentiment", {}),
            "categories": doc.get("category", {}),
        }
        if period == "day":  # accounts are counted per day (hour buckets count items only)
            point |= {
                "unique_accounts": int(doc.get("unique_accounts", 0)),
                "arr_minor_by_currency": {c: a for c, a in doc.get("arr", {}).items() if a},
            }
        points.append(point)
    return {"theme": slug, "period": period, "points": points}


@router.get("/demand/top", dependencies=[reader])
async def top_demand(
    request: Request,
    segment: str | None = None,
    days: int = Query(default=30, ge=1, le=365),
    by: str = Query(default="arr", pattern="^(arr|accounts|items)$"),
    limit: int = Query(default=10, ge=1, le=100),
) -> list[dict]:
    """Themes ranked by ARR of the accounts asking (or unique accounts, or items), optionally per segment."""
    ranked = await service(request).transactions.run(lambda uow: periodic.ranking(uow, days, segment))
    key = {
        "arr": lambda d: (-d.arr_minor, -d.unique_accounts),
        "accounts": lambda d: (-d.unique_accounts, -d.arr_minor),
        "items": lambda d: (-d.items, -d.unique_accounts),
    }[by]
    return [
        {
            "theme": d.theme,
            "items": d.items,
            "unique_accounts": d.unique_accounts,
            "arr_minor_by_currency": d.arr_by_currency,
        }
        for d in sorted(ranked, key=key)[:limit]
    ]


@router.get("/items/{feedback_id}", dependencies=[reader])
async def item(feedback_id: str, request: Request) -> dict:
    """The classification of one feedback item."""
    doc = await service(request).transactions.run(lambda uow: items.get(uow, feedback_id))
    if doc is None or doc.get("erased"):
        raise HTTPException(404, f"no classified item {feedback_id}")
    return {"feedback_id": doc["_id"], "revision": doc["revision"], **doc["classification"]}
