"""Feedback items: list, search and get. Any key reads (viewer and up)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BeforeValidator, Field
from terrain_contracts.events.feedback import CustomerRef, FeedbackIngestedData, FeedbackKind
from terrain_contracts.types import Id, Slug
from terrain_kit.api import Reads
from terrain_kit.auth import REPS, Principal, SourceReader
from terrain_kit.errors import Forbidden, NotFound
from terrain_kit.pagination import Page

from ..domain.items import Status
from ..store import followups
from ..store import items as store

router = APIRouter(prefix="/v1", tags=["feedback"])

# Field reps (kit REPS) read what they reported and the feedback of the accounts they cover, nothing else.


def _not_a_number(value: Any) -> Any:
    try:
        float(value)
    except (TypeError, ValueError):
        return value
    raise ValueError("must be an ISO 8601 date-time such as 2026-11-20T09:00:00Z, not a number")


# What the document says (format date-time): pydantic alone also reads "0.5" as seconds since 1970.
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class FeedbackView(FeedbackIngestedData):
    """An item as stored: the latest ingested revision plus where it stands."""

    status: Status
    shipped_in: list[Id] = Field(default_factory=list, description="Initiatives that shipped what it asks.")
    account_id: Id | None = Field(default=None, description="The account it is filed under (even unknown).")
    customer: CustomerRef
    first_ingested_at: datetime


def feedback_view(doc: dict[str, Any]) -> FeedbackView:
    return FeedbackView.model_validate(
        {k: doc.get(k) for k in FeedbackView.model_fields if k in doc}, extra="ignore"
    )


@router.get("/feedback", response_model=Page[FeedbackView])
async def list_feedback(
    reads: Reads,
    principal: SourceReader,
    account_id: Annotated[Id | None, Query()] = None,
    source: Annotated[Slug | None, Query()] = None,
    kind: FeedbackKind | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    since: Annotated[IsoDatetime | None, Query(description="occurred_at from (inclusive)")] = None,
    until: Annotated[IsoDatetime | None, Query(description="occurred_at before (exclusive)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words that must all be in the text")] = None,
    duplicate_of: Annotated[Id | None, Query(description="Items linked to this original")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[FeedbackView]:
    """Newest first (by when the feedback occurred). A key limited to sources lists those sources only."""
    if source is not None and not principal.may_see(source):
        raise Forbidden(f"this key is limited to the sources {', '.join(sorted(principal.sources or ()))}")
    query = store.feedback_query(
        account_id=account_id,
        source=source,
        kind=kind,
        status=status_,
        since=since,
        until=until,
        text=q,
        duplicate_of=duplicate_of,
        within_sources=principal.sources,
    )
    if principal.role in REPS:
        query = {"$and": [query, await followups.visible_to_rep(reads, principal.actor)]}
    docs, next_cursor = await store.page_of_items(reads, query, limit, cursor)
    return Page(items=[feedback_view(d) for d in docs], next_cursor=next_cursor)


@router.get("/feedback/{feedback_id}", response_model=FeedbackView)
async def get_feedback(feedback_id: str, reads: Reads, principal: SourceReader) -> FeedbackView:
    doc = await store.get_item(reads, feedback_id)
    # Another source's item, or (for a rep) another rep's item, is not shown to exist.
    if doc is None or not principal.may_see(doc["source"]) or not await rep_may_read(reads, principal, doc):
        raise NotFound(f"no feedback {feedback_id}")
    return feedback_view(doc)


async def rep_may_read(reads: Reads, principal: Principal, doc: dict[str, Any]) -> bool:
    """A rep reads what they reported and the feedback of the accounts they cover; other roles read all."""
    if principal.role not in REPS:
        return True
    reporter = doc.get("reporter") or {}
    if principal.actor in (reporter.get("member_id"), reporter.get("email")):
        return True
    if "@" not in principal.actor:
        return False
    return doc.get("account_id") in await followups.covered_accounts(reads, principal.actor)
