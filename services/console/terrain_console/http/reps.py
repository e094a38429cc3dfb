"""For Sales and CS reps: log what a customer said (feedback's ``POST /v1/feedback``, idempotent per form
rendering) and follow it ("my feedback": its theme, the initiatives it feeds and their status)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from ..domain import reps
from ..domain.forms import field_messages
from ..domain.pages import query
from ..domain.signin import Session
from ..handlers.services import Refused, Services
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["reps"])
Search = Annotated[str, Query(max_length=200)]


async def _choices(services: Services, session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The accounts the person may log for (a rep: those they cover) and the initiatives they may see."""
    accounts = await services.get(session.person, "feedback", "/v1/accounts", limit=200)
    initiatives = await services.get(session.person, "initiatives", "/v1/initiatives", limit=200)
    return accounts["items"], [item["initiative"] for item in initiatives["items"]]


async def _form(
    request: Request,
    session: Session,
    services: Services,
    values: dict[str, str],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    accounts, initiatives = await _choices(services, session)
    shown = reps.matching_accounts(accounts, values.get("search", ""))
    chosen = [a for a in accounts if a["account_id"] == values.get("account_id")]
    shown = chosen + [a for a in shown if a not in chosen]  # what was picked stays offered
    return render(
        request,
        "log_feedback.html",
        status_code,
        values=values,
        accounts=shown,
        searched=bool(values.get("search")),
        initiatives=initiatives,
        **extra,
    )


@router.get("/log-feedback")
async def log_form(request: Request, session: Signed, services: Calls, search: Search = "") -> Response:
    """A fresh form, with a fresh idempotency key."""
    values = {"search": search, "client_key": reps.form_key()}
    return await _form(request, session, services, values, errors={})


@router.post("/log-feedback")
async def log(
    request: Request,
    session: Posted,
    services: Calls,
    client_key: Annotated[str, Form(max_length=100)],
    account_id: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    initiative_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"account_id": account_id, "text": text, "initiative_id": initiative_id}
    values["client_key"] = client_key  # kept on a refusal: the same form, the same item
    try:
        answer = await services.call(
            session.person,
            "feedback",
            "POST",
            "/v1/feedback",
            json=reps.logged_body(values),
            headers={"Idempotency-Key": client_key},
        )
    except Refused as refusal:
        if refusal.status != 422:
            raise
        errors, elsewhere = field_messages(refusal.errors, set(reps.LOGGED_FIELDS))
        if not errors and not elsewhere:
            elsewhere = [refusal.detail]
        return await _form(request, session, services, values, 422, errors=errors, elsewhere=elsewhere)
    return see_other(f"/my-feedback?logged={answer.body['feedback_id']}")


async def _proposed(services: Services, session: Session, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The initiatives a rep proposed that do not link the item (yet): its PM sees a suggestion."""
    wanted = {
        item["proposed_initiative_id"]
        for item in items
        if item.get("proposed_initiative_id")
        and item["proposed_initiative_id"] not in {i["initiative_id"] for i in item["initiatives"]}
    }
    if not wanted:
        return {}
    _, initiatives = await _choices(services, session)
    return {i["initiative_id"]: i for i in initiatives if i["initiative_id"] in wanted}


@router.get("/my-feedback")
async def mine(
    request: Request,
    session: Signed,
    services: Calls,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    logged: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    size = context_of(request).settings.page_size
    page = await services.get(session.person, "feedback", "/v1/feedback/mine", limit=size, cursor=cursor)
    return render(
        request,
        "my_feedback.html",
        items=page["items"],
        proposed=await _proposed(services, session, page["items"]),
        logged=logged,
        next_link=query({}, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query({}) if cursor else None,
    )
