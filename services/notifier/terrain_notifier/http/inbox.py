"""The in-app inbox of the member the API key belongs to: list, mark read, acknowledge."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel
from terrain_kit.auth import Principal, require
from terrain_kit.pagination import Page, page

from ..store import INBOX, state
from . import ctx_of, member_of, service_of

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class InboxItem(BaseModel):
    item_id: str
    purpose: str
    insight_id: str | None
    severity: str | None
    kind: str | None
    subject: str
    text: str
    reasons: list[str]
    created_at: datetime
    read_at: datetime | None
    acknowledged_at: datetime | None


def _view(doc: dict[str, Any]) -> InboxItem:
    return InboxItem(item_id=doc["_id"], **{k: doc.get(k) for k in InboxItem.model_fields if k != "item_id"})


@router.get("", response_model=Page[InboxItem])
async def list_inbox(
    request: Request,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    principal: Principal = Depends(require()),
) -> Page[InboxItem]:
    query: dict[str, Any] = {"member_id": member_of(principal)}
    if unread:
        query["read_at"] = None
    docs, next_cursor = await page(
        service_of(request).db[INBOX], query, sort=("created_at", -1), limit=limit, cursor=cursor
    )
    return Page[InboxItem](items=[_view(doc) for doc in docs], next_cursor=next_cursor)


async def _mark(request: Request, principal: Principal, item_id: str, field: str) -> InboxItem:
    member = member_of(principal)
    now = ctx_of(request).clock()

    async def work(uow) -> dict[str, Any] | None:
        item = await state.mark_inbox(uow, member, item_id, field, now)
        if item is not None and field == "acknowledged_at":
            await state.mark_inbox(uow, member, item_id, "read_at", now)
            # Acknowledging the situation stops its escalation for everyone.
            await state.acknowledge(uow, item["dedup_key"], member, now)
        return item

    item = await service_of(request).transactions.run(work)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no inbox item {item_id} for {member}")
    return _view(item)


@router.post("/{item_id}/read", response_model=InboxItem)
async def mark_read(item_id: str, request: Request, principal: Principal = Depends(require())) -> InboxItem:
    return await _mark(request, principal, item_id, "read_at")


@router.post("/{item_id}/acknowledge", response_model=InboxItem)
async def acknowledge(item_id: str, request: Request, principal: Principal = Depends(require())) -> InboxItem:
    """Acknowledge the insight: pending escalations of its situation are cancelled."""
    return await _mark(request, principal, item_id, "acknowledged_at")
