"""The in-app inbox of the member the API key belongs to: list, mark read, acknowledge."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from terrain_kit.api import Call, Reads
from terrain_kit.auth import Reader
from terrain_kit.pagination import Page

from ..handlers import inbox
from ..store import state
from .access import Member, member_of

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class InboxItem(BaseModel):
    item_id: str
    purpose: str
    insight_id: str | None
    ritual: str | None = None  # planning notifications: dependency_requested, ballot_opened, ...
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
    uow: Reads,
    principal: Reader,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[InboxItem]:
    docs, next_cursor = await state.inbox_page(uow, member_of(principal), unread, limit, cursor)
    return Page[InboxItem](items=[_view(doc) for doc in docs], next_cursor=next_cursor)


async def _mark(call: Call, item_id: str, field: str) -> InboxItem:
    member = member_of(call.principal)
    return _view(await call.run(inbox.mark, call.context, member, item_id, field))


@router.post("/{item_id}/read", response_model=InboxItem)
async def mark_read(item_id: str, call: Member) -> InboxItem:
    return await _mark(call, item_id, inbox.READ)


@router.post("/{item_id}/acknowledge", response_model=InboxItem)
async def acknowledge(item_id: str, call: Member) -> InboxItem:
    """Acknowledge the insight: pending escalations of its situation are cancelled."""
    return await _mark(call, item_id, inbox.ACKNOWLEDGED)
