"""Briefings: create, read, edit, move through the lifecycle, ship, drop; their history."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.events.initiative import InitiativeStatus, NeedSource, Size, SuccessMetric
from terrain_contracts.types import Id, Paragraph, Quarter, Reason, Slug, Title
from terrain_kit.api import IfMatch, Reads, etag
from terrain_kit.auth import REPS, Principal, Reader
from terrain_kit.errors import Invalid, NotFound
from terrain_kit.pagination import Page

from .. import metrics
from ..domain.briefings import EDITABLE
from ..handlers import briefings as handlers
from ..handlers import shipping
from ..store import initiatives as store
from . import views
from .acting import Writer

router = APIRouter(prefix="/v1/initiatives", tags=["initiatives"])


class BriefingDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    problem: Paragraph
    source: NeedSource = Field(description="Where the need comes from.")
    size: Size
    intention: Paragraph
    owner_team_id: Id
    quarter: Quarter
    success_metric: SuccessMetric | None = Field(default=None, description="A KPI or an OKR key result.")
    product_area: Slug | None = None
    themes: list[Slug] = Field(default_factory=list, max_length=20)


class BriefingEdit(BaseModel):
    """Only the fields sent change. success_metric and product_area may be cleared with null."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    problem: Paragraph | None = None
    source: NeedSource | None = None
    size: Size | None = None
    intention: Paragraph | None = None
    owner_team_id: Id | None = None
    quarter: Quarter | None = None
    success_metric: SuccessMetric | None = None
    product_area: Slug | None = None
    themes: list[Slug] | None = Field(default=None, max_length=20)


NULLABLE = ("success_metric", "product_area")
MOVES = tuple(s for s in InitiativeStatus if s not in (InitiativeStatus.shipped, InitiativeStatus.dropped))


class StatusMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: InitiativeStatus = Field(
        description="proposed, aligned, committed, in_progress, or back to draft/proposed. "
        "Shipping and dropping have their own routes."
    )


class ShipRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    release_note: Paragraph = Field(description="What shipped, in the words the reporters will read.")


class DropRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


def _answer(response: Response, doc: dict[str, Any]) -> views.Initiative:
    etag(response, doc["version"])
    return views.initiative(doc)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=views.Initiative)
async def create_initiative(body: BriefingDraft, call: Writer, response: Response) -> views.Initiative:
    """A new briefing, in draft; a pm writes for a team they are a pm of. Emits initiative.created."""
    doc = await call.run(handlers.create, body.model_dump(mode="json"))
    response.headers["Location"] = f"/v1/initiatives/{doc['_id']}"
    return _answer(response, doc)


@router.get("", response_model=Page[views.Initiative])
async def list_initiatives(
    uow: Reads,
    principal: Reader,
    quarter: Quarter | None = None,
    owner_team_id: Id | None = None,
    status_: Annotated[InitiativeStatus | None, Query(alias="status")] = None,
    theme: Slug | None = None,
    product_area: Slug | None = None,
    sort: Annotated[str, Query(pattern="^(priority|created|updated)$")] = "priority",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[views.Initiative]:
    """Initiatives, best priority first by default (Sales and CS reps never see drafts)."""
    rep = principal.role in REPS
    if rep and status_ is InitiativeStatus.draft:
        return Page(items=[], next_cursor=None)
    filters = {
        "quarter": quarter,
        "owner_team_id": owner_team_id,
        "status": status_.value if status_ else ({"$ne": InitiativeStatus.draft.value} if rep else None),
        "theme": theme,
        "product_area": product_area,
    }
    docs, next_cursor = await store.listing(uow, filters, sort, limit, cursor)
    return Page(items=[views.initiative(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/{initiative_id}", response_model=views.Initiative)
async def get_initiative(
    initiative_id: Id, uow: Reads, principal: Reader, response: Response
) -> views.Initiative:
    """The briefing with its evidence summary and priority; the ETag is its version."""
    return _answer(response, visible(await handlers.load(uow, initiative_id), principal))


def visible(doc: dict, principal: Principal) -> dict:
    """Another team's draft is nobody's business in the field: a rep gets 404 for it, like for nothing."""
    if principal.role in REPS and doc["status"] == InitiativeStatus.draft.value:
        raise NotFound(f"no initiative {doc['_id']}")
    return doc


@router.patch("/{initiative_id}", response_model=views.Initiative)
async def edit_initiative(
    initiative_id: Id, body: BriefingEdit, call: Writer, version: IfMatch, response: Response
) -> views.Initiative:
    """Edit the briefing (If-Match required; a stale version gets 412). Emits initiative.updated."""
    fields = body.model_dump(mode="json", include=body.model_fields_set)
    for name in EDITABLE:
        if name in fields and fields[name] is None and name not in NULLABLE:
            raise Invalid(name, "cannot be null")
    return _answer(response, await call.run(handlers.edit, initiative_id, version, fields))


@router.post("/{initiative_id}/status", response_model=views.Initiative)
async def move_initiative(
    initiative_id: Id, body: StatusMove, call: Writer, version: IfMatch, response: Response
) -> views.Initiative:
    """Move along draft -> proposed -> aligned -> committed -> in_progress (409 with the reason if illegal).

    Aligned needs every dependency accepted and the quarter in alignment or validation;
    committed is Product Ops' call during validation. Emits initiative.status_changed.
    """
    if body.to not in MOVES:
        route = "ship" if body.to is InitiativeStatus.shipped else "drop"
        raise Invalid("to", f"use POST /v1/initiatives/{initiative_id}/{route}")
    doc = await call.run(handlers.move, initiative_id, version, body.to)
    metrics.TRANSITIONS.labels(body.to.value).inc()
    return _answer(response, doc)


def _final(response: Response, to: str, outcome: tuple[dict[str, Any], bool]) -> views.Initiative:
    doc, announced = outcome
    if announced:
        metrics.TRANSITIONS.labels(to).inc()
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return _answer(response, doc)


@router.post("/{initiative_id}/ship", response_model=views.Initiative)
async def ship_initiative(
    initiative_id: Id, body: ShipRequest, call: Writer, version: IfMatch, response: Response
) -> views.Initiative:
    """Ship an in-progress initiative: initiative.shipped carries every linked feedback id, exactly once.

    Retrying the identical request (same If-Match, same release note) answers the same
    result and publishes nothing (header Idempotent-Replayed: true).
    """
    return _final(
        response, "shipped", await call.run(shipping.ship, initiative_id, version, body.release_note)
    )


@router.post("/{initiative_id}/drop", response_model=views.Initiative)
async def drop_initiative(
    initiative_id: Id, body: DropRequest, call: Writer, version: IfMatch, response: Response
) -> views.Initiative:
    """Drop a non-final initiative with a reason; emits initiative.dropped (once, like shipping)."""
    return _final(response, "dropped", await call.run(shipping.drop, initiative_id, version, body.reason))


@router.get("/{initiative_id}/history", response_model=Page[views.HistoryEntry])
async def initiative_history(
    initiative_id: Id,
    uow: Reads,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[views.HistoryEntry]:
    """Every change, oldest first: who, when, what changed (from -> to)."""
    visible(await handlers.load(uow, initiative_id), principal)
    docs, next_cursor = await store.history(uow, initiative_id, limit, cursor)
    return Page(items=[views.history_entry(doc) for doc in docs], next_cursor=next_cursor)
