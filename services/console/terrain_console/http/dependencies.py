"""Dependency requests to answer: a team's PM (or Product Ops) accepts or declines, with a note."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from ..domain.pages import query
from ..domain.signin import Session
from ..handlers.services import Refused, Services
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["dependencies"])
DependencyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]
STATES = ("open", "accepted", "declined", "withdrawn")


async def _page(
    request: Request,
    session: Session,
    services: Services,
    filters: dict[str, Any],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    problem = None
    try:
        page = await services.get(
            session.person,
            "initiatives",
            "/v1/dependencies",
            on_team_id=filters.get("on_team_id"),
            state=filters.get("state"),
            limit=context_of(request).settings.page_size,
            cursor=filters.get("cursor"),
        )
    except Refused as refusal:
        if refusal.status != 422:
            raise
        problem = f"Filter refused: {refusal.detail}"
    kept = {k: v for k, v in filters.items() if k != "cursor"}
    return render(
        request,
        "dependencies.html",
        status_code,
        dependencies=page["items"],
        filters=kept,
        states=STATES,
        problem=problem,
        next_link=query(kept, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query(kept) if filters.get("cursor") else None,
        **extra,
    )


@router.get("/dependencies")
async def dependencies(
    request: Request,
    session: Signed,
    services: Calls,
    on_team_id: Annotated[str | None, Query(max_length=128)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    filters = {"on_team_id": on_team_id, "state": state, "cursor": cursor}
    return await _page(request, session, services, filters, answered=request.query_params.get("answered"))


@router.post("/dependencies/{dependency_id}/answer")
async def answer(
    request: Request,
    session: Posted,
    services: Calls,
    dependency_id: DependencyId,
    answer: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    on_team_id: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """The service checks who may answer (the team asked, or Product Ops) and that it is still open."""
    body = {"answer": answer, "note": note.strip() or None}
    try:
        await services.call(
            session.person, "initiatives", "POST", f"/v1/dependencies/{dependency_id}/answer", json=body
        )
    except Refused as refusal:
        if refusal.status not in (403, 409, 422):
            raise
        message = "; ".join(e["message"] for e in refusal.errors) or refusal.detail
        filters = {"on_team_id": on_team_id or None}
        return await _page(
            request,
            session,
            services,
            filters,
            refusal.status,
            refused={dependency_id: message},
            typed={dependency_id: {"answer": answer, "note": note}},
        )
    return see_other("/dependencies" + query({"on_team_id": on_team_id}, answered=dependency_id))
