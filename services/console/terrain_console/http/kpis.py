"""Product Ops KPIs: the quarter's figures as a whole and per team, each with its count and of
(initiatives' ``GET /v1/kpis``, computed there on read)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..domain import reps
from ..handlers.services import Refused
from .pages import Calls, Signed, render

router = APIRouter(tags=["kpis"])


@router.get("/kpis")
async def kpis(
    request: Request,
    session: Signed,
    services: Calls,
    quarter: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    today = date.today()
    chosen = quarter.strip() or reps.current_quarter(today)
    errors: dict[str, str] = {}
    try:
        found = await services.get(session.person, "initiatives", "/v1/kpis", quarter=chosen)
    except Refused as refusal:
        if refusal.status != 422:
            raise
        found, errors = None, {"quarter": refusal.errors[0]["message"] if refusal.errors else refusal.detail}
    rows = []
    if found:
        rows = [reps.kpi_row("Whole quarter", found["total"])]
        rows += [reps.kpi_row(team["team_id"], team) for team in found["teams"]]
    return render(
        request,
        "kpis.html",
        422 if errors else 200,
        quarter=chosen,
        quarters=reps.quarter_choices(today),
        found=found,
        adoption=reps.ratio(found["adoption"]) if found else "-",
        rows=rows,
        errors=errors,
    )
