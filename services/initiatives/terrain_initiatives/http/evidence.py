"""Evidence of an initiative: linked feedback and suggestions from insights of its themes."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts import Money
from terrain_contracts.types import Id
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.pagination import Page

from .. import metrics
from ..handlers import briefings
from ..handlers import evidence as handlers
from ..store import evidence as store
from . import views
from .acting import Writer

router = APIRouter(prefix="/v1/initiatives/{initiative_id}", tags=["evidence"])


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feedback_id: Id


class SuggestingInsight(BaseModel):
    insight_id: str
    kind: str
    severity: str
    title: str
    theme: str | None


class Suggestion(BaseModel):
    feedback_id: str
    account_id: str | None = Field(description="Known once the feedback's ingestion was received.")
    account_name: str | None
    arr: Money | None
    insights: list[SuggestingInsight] = Field(description="The insights pointing at this feedback.")
    proposed_by: str | None = Field(
        default=None,
        description="The reporter (a rep's member id) who said this feedback answers the initiative.",
    )


def _linked(response: Response, doc: dict, created: bool) -> views.Link:
    if created:
        metrics.LINKS.labels("linked", doc["origin"]).inc()
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return views.link(doc)


@router.post(
    "/links",
    status_code=status.HTTP_201_CREATED,
    response_model=views.Link,
    responses={200: {"description": "Already linked: the existing link, nothing emitted."}},
)
async def link_feedback(initiative_id: Id, body: LinkRequest, call: Writer, response: Response) -> views.Link:
    """Link feedback (idempotent); emits initiative.feedback_linked the first time."""
    return _linked(response, *await call.run(handlers.link, initiative_id, body.feedback_id))


@router.delete("/links/{feedback_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_feedback(initiative_id: Id, feedback_id: Id, call: Writer) -> Response:
    """Unlink feedback (idempotent); emits initiative.feedback_unlinked when a link is removed."""
    if await call.run(handlers.unlink, initiative_id, feedback_id):
        metrics.LINKS.labels("unlinked", "manual").inc()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/links", response_model=Page[views.Link])
async def list_links(
    initiative_id: Id,
    uow: Reads,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[views.Link]:
    await briefings.load(uow, initiative_id)
    docs, next_cursor = await store.links_page(uow, initiative_id, limit, cursor)
    return Page(items=[views.link(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/suggestions", response_model=list[Suggestion])
async def list_suggestions(initiative_id: Id, uow: Reads, principal: Reader) -> list[Suggestion]:
    """Feedback that insights of the initiative's themes point at, not linked or dismissed yet."""
    return [Suggestion(**found) for found in await handlers.suggestions(uow, initiative_id)]


@router.post(
    "/suggestions/{feedback_id}/accept", status_code=status.HTTP_201_CREATED, response_model=views.Link
)
async def accept_suggestion(
    initiative_id: Id, feedback_id: Id, call: Writer, response: Response
) -> views.Link:
    """Link a suggested item (origin=suggestion); emits initiative.feedback_linked."""
    return _linked(response, *await call.run(handlers.accept, initiative_id, feedback_id))


@router.post("/suggestions/{feedback_id}/dismiss", status_code=status.HTTP_204_NO_CONTENT)
async def dismiss_suggestion(initiative_id: Id, feedback_id: Id, call: Writer) -> Response:
    """Hide a suggestion for this initiative."""
    await call.run(handlers.dismiss, initiative_id, feedback_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
