"""Every delivery recorded (status, attempts, history), a retry for failed ones, and loop-closure rates."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from terrain_kit.api import Reads
from terrain_kit.errors import NotFound
from terrain_kit.pagination import Page

from ..domain.loops import LOOP_CLOSURE_DEFINITION, rate
from ..handlers import deliveries as handlers
from ..store import deliveries, state
from .access import Ops, ProductOpsCall, Viewer

router = APIRouter(tags=["deliveries"])
SHOWN = (
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
    "ritual",
    "step",
    "audience",
    "reasons",
    "timing",
    "why",
    "history",
)


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    target = {k: v for k, v in (doc.get("target") or {}).items() if k != "secret"}
    dead = doc.get("dead_letter")
    return {
        "notification_id": doc["_id"],
        "target": target,
        "dead_letter_sequence": dead.get("sequence") if dead else None,
        **{k: doc.get(k) for k in SHOWN},
    }


@router.get("/v1/deliveries", response_model=Page[dict[str, Any]])
async def list_deliveries(
    uow: Reads,
    principal: Ops,
    status_: Annotated[str | None, Query(alias="status")] = None,
    channel: str | None = None,
    purpose: str | None = None,
    insight_id: str | None = None,
    initiative_id: str | None = None,
    recipient_id: str | None = None,
    ritual: Annotated[
        str | None, Query(description="Planning notifications of one ritual, e.g. dependency_requested.")
    ] = None,
    step: Annotated[
        str | None,
        Query(
            description="Messages to reporters about one lifecycle step: committed, in_progress, shipped..."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[dict[str, Any]]:
    filters = {
        "status": status_,
        "channel": channel,
        "purpose": purpose,
        "insight_ids": insight_id,
        "initiative_id": initiative_id,
        "recipient_id": recipient_id,
        "ritual": ritual,
        "step": step,
    }
    docs, next_cursor = await deliveries.listed(uow, filters, limit, cursor)
    return Page[dict[str, Any]](items=[_view(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/v1/deliveries/{notification_id}")
async def get_delivery(notification_id: str, uow: Reads, principal: Ops) -> dict[str, Any]:
    doc = await deliveries.get(uow, notification_id)
    if doc is None:
        raise NotFound(f"no delivery {notification_id}")
    return _view(doc)


@router.post("/v1/deliveries/{notification_id}/retry")
async def retry_delivery(notification_id: str, call: ProductOpsCall) -> dict[str, Any]:
    """Send a failed delivery again from its first attempt (after fixing the endpoint)."""
    return _view(await call.run(handlers.retry, call.context, notification_id))


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


@router.get("/v1/loop-closure")
async def loop_closure(uow: Reads, principal: Viewer, team_id: str | None = None) -> dict[str, Any]:
    """Loop-closure rates per team (the shipped initiative's owner) and per reporter."""
    teams = _rates(await state.loop_counts(uow, "owner_team_id", team_id), "team_id")
    closed, not_closed = sum(t["closed"] for t in teams), sum(t["not_closed"] for t in teams)
    return {
        "definition": LOOP_CLOSURE_DEFINITION,
        "overall": {
            "closed": closed,
            "not_closed": not_closed,
            "pending": sum(t["pending"] for t in teams),
            "rate": rate(closed, not_closed),
        },
        "teams": teams,
        "reporters": _rates(await state.loop_counts(uow, "reporter_key", team_id), "reporter"),
    }
