"""Feedback explorer: the list with the filters the feedback API offers, and an item with its classification
and confidence, which a PM or Product Ops corrects (insights' correction API)."""

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from ..domain.pages import CATEGORIES, KINDS, STATES, query
from ..domain.signin import Session
from ..handlers.services import Refused, Services
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["feedback"])
FeedbackId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]
Text = Annotated[str | None, Query(max_length=200)]
KEEP, NONE = "(keep)", "(none fits)"


def _instant(typed: str | None, field: str, errors: dict[str, str]) -> str | None:
    """A typed day as the API's instant (midnight UTC); a bad one is named beside its field."""
    if not typed:
        return None
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        errors[field] = "Use a date such as 2026-12-01."
        return None
    return datetime.combine(day, time(), tzinfo=UTC).isoformat()


@router.get("/feedback")
async def explorer(
    request: Request,
    session: Signed,
    services: Calls,
    q: Text = None,
    source: Text = None,
    kind: Text = None,
    status: Text = None,
    account_id: Text = None,
    since: Text = None,
    until: Text = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    filters = {"q": q, "source": source, "kind": kind, "status": status, "account_id": account_id}
    filters |= {"since": since, "until": until}
    errors: dict[str, str] = {}
    params = {**filters, "since": _instant(since, "since", errors), "until": _instant(until, "until", errors)}
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        size = context_of(request).settings.page_size
        try:
            page = await services.get(
                session.person, "feedback", "/v1/feedback", limit=size, cursor=cursor, **params
            )
        except Refused as refusal:
            if refusal.status != 422:
                raise
            errors = {e["field"].split(".")[-1]: e["message"] for e in refusal.errors}
    return render(
        request,
        "feedback.html",
        items=page["items"],
        filters=filters,
        kinds=KINDS,
        states=STATES,
        problem="A filter was refused: see the field." if errors else None,
        errors=errors,
        next_link=query(filters, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query(filters) if cursor else None,
    )


async def _classification(services: Services, session: Session, feedback_id: str) -> dict[str, Any] | None:
    try:
        return await services.get(session.person, "insights", f"/v1/items/{feedback_id}")
    except Refused as refusal:
        if refusal.status == 404:
            return None  # not classified yet (or erased)
        raise


async def _item_page(
    request: Request,
    session: Session,
    services: Services,
    feedback_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    item = await services.get(session.person, "feedback", f"/v1/feedback/{feedback_id}")
    themes = await services.get(session.person, "insights", "/v1/themes")
    return render(
        request,
        "item.html",
        status_code,
        item=item,
        classification=await _classification(services, session, feedback_id),
        themes=themes,
        categories=CATEGORIES,
        keep=KEEP,
        none=NONE,
        **extra,
    )


@router.get("/feedback/{feedback_id}")
async def item(request: Request, session: Signed, services: Calls, feedback_id: FeedbackId) -> Response:
    return await _item_page(
        request, session, services, feedback_id, saved=request.query_params.get("saved") == "1"
    )


@router.post("/feedback/{feedback_id}/correction")
async def correct(
    request: Request,
    session: Posted,
    services: Calls,
    feedback_id: FeedbackId,
    theme: Annotated[str, Form(max_length=100)] = KEEP,
    kind: Annotated[str, Form(max_length=100)] = KEEP,
) -> Response:
    body: dict[str, Any] = {}
    if theme != KEEP:
        body["theme"] = None if theme == NONE else theme
    if kind != KEEP:
        body["kind"] = kind
    if not body:
        errors = {"theme": "Choose a theme (or none fits), or a kind."}
        return await _item_page(request, session, services, feedback_id, 422, errors=errors)
    try:
        await services.call(
            session.person, "insights", "PUT", f"/v1/items/{feedback_id}/correction", json=body
        )
    except Refused as refusal:
        if refusal.status != 422:
            raise
        errors = {e["field"].split(".")[-1]: e["message"] for e in refusal.errors} or {
            "theme": refusal.detail
        }
        return await _item_page(request, session, services, feedback_id, 422, errors=errors)
    return see_other(f"/feedback/{feedback_id}?saved=1")
