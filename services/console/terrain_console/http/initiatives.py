"""Initiatives: the board by quarter and status, the briefing editor with the service's errors per field."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ..domain import forms
from ..domain.pages import STATUSES, columns, query
from ..domain.signin import Session
from ..handlers.services import Refused, Services
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["initiatives"])
InitiativeId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]
QuarterQuery = Annotated[str | None, Query(max_length=7)]
KNOWN = {field.name for field in forms.BRIEFING}
ASK = {field.name for field in forms.DEPENDENCY}


@router.get("/initiatives")
async def board(
    request: Request,
    session: Signed,
    services: Calls,
    quarter: QuarterQuery = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    size = context_of(request).settings.page_size * 5  # a board shows more cards than a list rows
    try:
        page = await services.get(
            session.person,
            "initiatives",
            "/v1/initiatives",
            quarter=quarter,
            status=status,
            limit=size,
            cursor=cursor,
        )
    except Refused as refusal:
        if refusal.status != 422:
            raise
        page, problem = {"items": [], "next_cursor": None}, f"Filter refused: {refusal.detail}"
    else:
        problem = ""
    filters = {"quarter": quarter, "status": status}
    return render(
        request,
        "board.html",
        columns=columns(page["items"]),
        filters=filters,
        statuses=STATUSES,
        problem=problem,
        next_link=query(filters, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query(filters) if cursor else None,
    )


async def _load(services: Services, session: Session, initiative_id: str) -> tuple[dict[str, Any], str]:
    answer = await services.call(session.person, "initiatives", "GET", f"/v1/initiatives/{initiative_id}")
    return answer.body, answer.headers.get("etag", "")


async def _dependencies(services: Services, session: Session, initiative_id: str) -> list[dict[str, Any]]:
    return await services.get(session.person, "initiatives", f"/v1/initiatives/{initiative_id}/dependencies")


async def _editor(
    request: Request,
    session: Session,
    services: Services,
    initiative_id: str,
    status_code: int = 200,
    **form: Any,
) -> Response:
    """The briefing page; ``form`` overrides what a refused form shows (typed values, errors per field)."""
    found, version = await _load(services, session, initiative_id)
    shown: dict[str, Any] = {
        "version": version,
        "values": forms.briefing_values(found["initiative"]),
        "errors": {},
        "elsewhere": [],
        "ask": {},
        "ask_errors": {},
        "saved": request.query_params.get("saved"),
    }
    return render(
        request,
        "briefing.html",
        status_code,
        found=found,
        fields=forms.BRIEFING,
        ask_fields=forms.DEPENDENCY,
        dependencies=await _dependencies(services, session, initiative_id),
        **{**shown, **form},
    )


def _refused_fields(refusal: Refused, known: set[str]) -> tuple[dict[str, str], list[str]]:
    errors, elsewhere = forms.field_messages(refusal.errors, known)
    return errors, (elsewhere or ([] if errors else [refusal.detail]))


@router.get("/initiatives/{initiative_id}")
async def editor(request: Request, session: Signed, services: Calls, initiative_id: InitiativeId) -> Response:
    return await _editor(request, session, services, initiative_id)


@router.post("/initiatives/{initiative_id}")
async def save(request: Request, session: Posted, services: Calls, initiative_id: InitiativeId) -> Response:
    typed = {k: str(v) for k, v in (await request.form()).items() if k in KNOWN or k == "version"}
    found, current_version = await _load(services, session, initiative_id)
    body = forms.changed_fields(forms.briefing_body(typed), found["initiative"])
    if not body:
        return see_other(f"/initiatives/{initiative_id}?saved=briefing")
    version = typed.get("version") or current_version
    try:
        await services.call(
            session.person,
            "initiatives",
            "PATCH",
            f"/v1/initiatives/{initiative_id}",
            json=body,
            headers={"If-Match": version},
        )
    except Refused as refusal:
        if refusal.status not in (409, 412, 422):
            raise
        errors, elsewhere = _refused_fields(refusal, KNOWN)
        values = {name: typed.get(name, "") for name in KNOWN}
        return await _editor(
            request,
            session,
            services,
            initiative_id,
            refusal.status,
            version=version,
            values=values,
            errors=errors,
            elsewhere=elsewhere,
        )
    return see_other(f"/initiatives/{initiative_id}?saved=briefing")


@router.post("/initiatives/{initiative_id}/dependencies")
async def ask(request: Request, session: Posted, services: Calls, initiative_id: InitiativeId) -> Response:
    """Ask another team for something this initiative depends on; the service names what it refuses."""
    typed = {k: str(v) for k, v in (await request.form()).items() if k in ASK}
    try:
        await services.call(
            session.person,
            "initiatives",
            "POST",
            f"/v1/initiatives/{initiative_id}/dependencies",
            json=forms.dependency_body(typed),
        )
    except Refused as refusal:
        if refusal.status not in (409, 422):
            raise
        errors, elsewhere = _refused_fields(refusal, ASK)
        return await _editor(
            request,
            session,
            services,
            initiative_id,
            refusal.status,
            ask=typed,
            ask_errors={**errors, **({"on_team_id": "; ".join(elsewhere)} if elsewhere else {})},
        )
    return see_other(f"/initiatives/{initiative_id}?saved=dependency")
