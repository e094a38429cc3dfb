"""Every delivery recorded (status, attempts, history), a retry for failed ones, and loop-closure rates."""

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from terrain_contracts import Role
from terrain_kit.auth import require
from terrain_kit.pagination import Page, page

from ..domain.loops import __doc__ as LOOPS_DEFINITION
from ..domain.loops import rate
from ..store import DELIVERIES, deliveries, state
from . import ctx_of, reader, service_of

router = APIRouter(tags=["deliveries"])
OPS = Depends(require(Role.product_ops, Role.director))


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    target = {k: v for k, v in (doc.get("target") or {}).items() if k != "secret"}
    dead = doc.get("dead_letter")
    return {
        "notification_id": doc["_id"],
        "target": target,
        "dead_letter_sequence": dead.get("sequence") if dead else None,
        **{
            k: doc.get(k)
            for k in (
                "purpose",
                "channel",
                "recipient_id",
                "status",
                "attempts",
                "created_at",
                "next_attempt_at",
                "delivered_at",
                "failed_at",
                "last_error",
                "insight_ids",
                "initiative_id",
                "reasons",
                "timing",
                "why",
                "history",
            )
        },
    }


@router.get("/v1/deliveries", dependencies=[OPS], response_model=Page[dict[str, Any]])
async def list_deliveries(
    request: Request,
    status_: str | None = Query(None, alias="status"),
    channel: str | None = None,
    purpose: str | None = None,
    insight_id: str | None = None,
    initiative_id: str | None = None,
    recipient_id: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> Page[dict[str, Any]]:
    filters = {
        "status": status_,
        "channel": channel,
        "purpose": purpose,
        "insight_ids": insight_id,
        "initiative_id": initiative_id,
        "recipient_id": recipient_id,
    }
    query = {k: v for k, v in filters.items() if v is not None}
    docs, next_cursor = await page(
        service_of(request).db[DELIVERIES], query, sort=("created_at", -1), limit=limit, cursor=cursor
    )
    return Page[dict[str, Any]](items=[_view(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/v1/deliveries/{notification_id}", dependencies=[OPS])
async def get_delivery(notification_id: str, request: Request) -> dict[str, Any]:
    doc = await deliveries.get(reader(request), notification_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no delivery {notification_id}")
    return _view(doc)


@router.post("/v1/deliveries/{notification_id}/retry", dependencies=[Depends(require(Role.product_ops))])
async def retry_delivery(notification_id: str, request: Request) -> dict[str, Any]:
    """Send a failed delivery again from its first attempt (after fixing the endpoint)."""
    ctx = ctx_of(request)
    now = ctx.clock()
    if not await service_of(request).transactions.run(
        lambda uow: deliveries.requeue(uow, notification_id, now)
    ):
        raise HTTPException(status.HTTP_409_CONFLICT, f"{notification_id} is not a failed delivery")
    ctx.wake()
    return _view(await deliveries.get(reader(request), notification_id))


def _rates(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [
        {
            key: row["_id"],
            "closed": row["closed"],
            "not_closed": row["not_closed"],
            "pending": row["pending"],
            "rate": rate(row["closed"], row["not_closed"]),
        }
        for row in rows
    ]


@router.get("/v1/loop-closure", dependencies=[Depends(require(Role.pm, Role.product_ops, Role.director))])
async def loop_closure(request: Request, team_id: str | None = None) -> dict[str, Any]:
    """Loop-closure rates per team (the shipped initiative's owner) and per reporter."""
    db = service_of(request).db
    teams = _rates(await state.loop_counts(db, "owner_team_id", team_id), "team_id")
    closed, not_closed = sum(t["closed"] for t in teams), sum(t["not_closed"] for t in teams)
    return {
        "definition": " ".join(LOOPS_DEFINITION.split("\n\n", 1)[1].split()),
        "overall": {
            "closed": closed,
            "not_closed": not_closed,
            "pending": sum(t["pending"] for t in teams),
            "rate": rate(closed, not_closed),
        },
        "teams": teams,
        "reporters": _rates(await state.loop_counts(db, "reporter_key", team_id), "reporter"),
    }
