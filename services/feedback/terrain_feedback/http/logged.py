"""Feedback logged by hand (``POST /v1/feedback``) and what became of it (``GET /v1/feedback/mine``).

The reporter is who the identity says, never a field of the body (a body naming one is refused, 422).
A client key (``Idempotency-Key`` header or ``client_key``) makes a retry answer the item stored the
first time: 201 when stored now, 200 when the key was used before.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from terrain_contracts import Role
from terrain_contracts.events.feedback import CustomerRef, FeedbackKind, FeedbackSubmittedData, IntakeChannel
from terrain_contracts.types import Email, FeedbackText, Id, Name, Slug, Title
from terrain_kit.api import Reads
from terrain_kit.auth import REPS, Principal, require
from terrain_kit.errors import Invalid
from terrain_kit.pagination import Page

from ..domain.capture import API_SOURCE, api_external_id, reporter_of
from ..domain.items import Decision, Outcome
from ..handlers import logged
from ..handlers.context import Context
from ..handlers.intake import Submission
from ..store import followups
from ..store import items as store
from .items import FeedbackView, feedback_view

router = APIRouter(prefix="/v1", tags=["feedback"])

Logger = Annotated[Principal, Depends(require(*REPS, Role.pm, Role.product_ops))]
Member = Annotated[Principal, Depends(require())]

ClientKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")]


class LoggedFeedback(BaseModel):
    """What a rep heard. Who reported it is who calls: there is no reporter field."""

    model_config = ConfigDict(extra="forbid")

    account_id: Id | None = Field(default=None, description="The customer's account (or customer_email).")
    customer_email: Email | None = Field(default=None, description="The customer's email (or account_id).")
    customer_name: Name | None = None
    text: FeedbackText
    initiative_id: Id | None = Field(
        default=None, description="An initiative this answers; announced on feedback.ingested for linking."
    )
    occurred_at: AwareDatetime | None = Field(default=None, description="When it was said; default: now.")
    tags: list[Slug] = Field(default_factory=list, max_length=50)
    client_key: ClientKey | None = Field(
        default=None, description="Same key, same item (or the Idempotency-Key header)."
    )


class LoggedView(BaseModel):
    feedback_id: str
    revision: int | None
    outcome: Outcome


async def store_logged(request: Request, submission: Submission) -> logged.Logged:
    context: Context = request.app.state.context
    return await logged.log_with_retries(request.app.state.service.transactions, context, submission)


def refuse_if_rejected(decision: Decision) -> None:
    if decision.outcome is Outcome.rejected:
        errors = [e.model_copy(update={"field": f"body.{e.field}"}) for e in decision.errors]
        raise Invalid.fields(errors, "the feedback is empty once normalised")
    if decision.outcome is Outcome.erased:
        raise Invalid("body.client_key", "names an item erased on request; use another key")


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=LoggedView,
    responses={200: {"description": "this client key was used before: the item stored then"}},
)
async def log_feedback(
    body: LoggedFeedback,
    request: Request,
    response: Response,
    principal: Logger,
    idempotency_key: Annotated[ClientKey | None, Header(alias="Idempotency-Key")] = None,
) -> LoggedView:
    """Log what a customer said (a call note, a meeting): reporter = the caller, channel = api."""
    if body.account_id is None and body.customer_email is None:
        raise Invalid("body.account_id", "give the customer's account_id or customer_email")
    if idempotency_key and body.client_key and idempotency_key != body.client_key:
        raise Invalid("body.client_key", "differs from the Idempotency-Key header")
    context: Context = request.app.state.context
    key = idempotency_key or body.client_key or uuid.uuid4().hex
    data = FeedbackSubmittedData(
        source=API_SOURCE,
        external_id=api_external_id(principal.actor, key),
        kind=FeedbackKind.field,
        reporter=reporter_of(principal.name, principal.actor, principal.role),
        customer=CustomerRef(account_id=body.account_id, email=body.customer_email, name=body.customer_name),
        text=body.text,
        tags=body.tags,
        occurred_at=body.occurred_at or context.now(),
        proposed_initiative_id=body.initiative_id,
    )
    done = await store_logged(request, Submission(data, IntakeChannel.api))
    refuse_if_rejected(done.decision)
    if not done.created:
        response.status_code = status.HTTP_200_OK
    return LoggedView(
        feedback_id=done.decision.feedback_id or data.feedback_id,
        revision=done.decision.revision,
        outcome=done.decision.outcome,
    )


class ThemeView(BaseModel):
    theme: Slug | None = Field(description="None: insights left it unassigned.")
    product_area: Slug | None = None
    category: str | None = None


class InitiativeView(BaseModel):
    initiative_id: Id
    title: Title | None = Field(default=None, description="None until its briefing was announced.")
    status: str | None = None
    quarter: str | None = None
    reason: str | None = Field(default=None, description="Why it was dropped.")


class MyFeedbackView(FeedbackView):
    theme: ThemeView | None = Field(default=None, description="None until insights classified it.")
    initiatives: list[InitiativeView] = Field(default_factory=list, description="The initiatives linking it.")


def _mine_view(doc: dict[str, Any], theme: dict | None, linked: list[dict]) -> MyFeedbackView:
    view = feedback_view(doc)
    return MyFeedbackView(
        **view.model_dump(),
        theme=ThemeView(**{k: theme.get(k) for k in ThemeView.model_fields}) if theme else None,
        initiatives=[InitiativeView(initiative_id=i["_id"], **_briefing_fields(i)) for i in linked],
    )


def _briefing_fields(doc: dict) -> dict:
    return {k: doc.get(k) for k in ("title", "status", "quarter", "reason")}


@router.get("/feedback/mine", response_model=Page[MyFeedbackView])
async def my_feedback(
    reads: Reads,
    principal: Member,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[MyFeedbackView]:
    """What I reported, newest first: its theme, the initiatives linking it and where they stand."""
    query = followups.reported_by(principal.actor)
    docs, next_cursor = await store.page_of_items(reads, query, limit, cursor)
    themes, linked = await followups.followups_of(reads, [d["_id"] for d in docs])
    items = [_mine_view(d, themes.get(d["_id"]), linked.get(d["_id"], [])) for d in docs]
    return Page(items=items, next_cursor=next_cursor)
