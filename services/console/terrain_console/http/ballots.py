"""The directors' 1-3 ballot: candidates, my scores, quorum progress; results and audit once closed."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from ..domain import forms
from ..domain.pages import SCORES, query, quorum_progress
from ..domain.signin import Session
from ..handlers.services import Refused, Services
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["ballots"])
BallotId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]


@router.get("/ballots")
async def ballots(
    request: Request,
    session: Signed,
    services: Calls,
    state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    size = context_of(request).settings.page_size
    page = await services.get(
        session.person, "initiatives", "/v1/ballots", state=state, limit=size, cursor=cursor
    )
    filters = {"state": state}
    return render(
        request,
        "ballots.html",
        ballots=page["items"],
        filters=filters,
        next_link=query(filters, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query(filters) if cursor else None,
    )


async def _new_ballot(
    request: Request, session: Session, services: Services, quarter: str, status_code: int = 200, **extra: Any
) -> Response:
    found: list[dict[str, Any]] = []
    if quarter:
        page = await services.get(
            session.person, "initiatives", "/v1/initiatives", quarter=quarter, limit=200
        )
        found = [i for i in page["items"] if i["initiative"]["status"] in forms.CANDIDATE_STATUSES]
    values = {"quarter": quarter, "candidates": [], "closes_at": "", "quorum": "", **extra.pop("values", {})}
    return render(
        request,
        "ballot_new.html",
        status_code,
        candidates=found,
        values=values,
        errors=extra.pop("errors", {}),
    )


@router.get("/ballots/new")
async def new_ballot(
    request: Request, session: Signed, services: Calls, quarter: Annotated[str, Query(max_length=7)] = ""
) -> Response:
    """Open a ballot (Product Ops) over the quarter's proposed, aligned and committed initiatives."""
    return await _new_ballot(request, session, services, quarter)


@router.post("/ballots")
async def open_ballot(
    request: Request,
    session: Posted,
    services: Calls,
    quarter: Annotated[str, Form(max_length=7)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
    quorum: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    candidates = [str(v) for v in (await request.form()).getlist("candidate_ids")]
    body = forms.ballot_body(quarter, candidates, closes_at, quorum)
    try:
        answer = await services.call(session.person, "initiatives", "POST", "/v1/ballots", json=body)
    except Refused as refusal:
        if refusal.status not in (409, 422):
            raise
        errors, elsewhere = forms.field_messages(
            refusal.errors, {"quarter", "candidate_ids", "closes_at", "quorum"}
        )
        if elsewhere or not errors:
            errors["candidate_ids"] = "; ".join(elsewhere) or refusal.detail
        values = {"quarter": quarter, "candidates": candidates, "closes_at": closes_at, "quorum": quorum}
        return await _new_ballot(
            request, session, services, quarter, refusal.status, values=values, errors=errors
        )
    return see_other(f"/ballots/{answer.body['ballot_id']}")


async def _titles(services: Services, session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for initiative_id in ids:
        answer = await services.get(session.person, "initiatives", f"/v1/initiatives/{initiative_id}")
        found[initiative_id] = answer["initiative"]
    return found


async def _page(
    request: Request,
    session: Session,
    services: Services,
    ballot_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ballot = await services.get(session.person, "initiatives", f"/v1/ballots/{ballot_id}")
    votes = await services.get(session.person, "initiatives", f"/v1/ballots/{ballot_id}/votes")
    mine = {v["initiative_id"]: v["score"] for v in votes if v["director_id"] == session.person.member_id}
    return render(
        request,
        "ballot.html",
        status_code,
        ballot=ballot,
        candidates=await _titles(services, session, ballot["candidates"]),
        mine=mine,
        votes=votes if ballot["state"] == "closed" else [],
        progress=quorum_progress(ballot.get("voters"), ballot["quorum"]),
        scores=SCORES,
        **extra,
    )


@router.get("/ballots/{ballot_id}")
async def ballot(request: Request, session: Signed, services: Calls, ballot_id: BallotId) -> Response:
    return await _page(request, session, services, ballot_id, saved=request.query_params.get("saved") == "1")


@router.post("/ballots/{ballot_id}")
async def cast(request: Request, session: Posted, services: Calls, ballot_id: BallotId) -> Response:
    """Each scored candidate is one vote (PUT): the service checks the role, the window and the score."""
    form = await request.form()
    scores = {k.removeprefix("score-"): str(v) for k, v in form.items() if k.startswith("score-") and v}
    errors: dict[str, str] = {}
    statuses = {422}  # the strongest refusal answers: 403 before 409 before 422
    for initiative_id, score in scores.items():
        if score not in {str(s) for s in SCORES}:
            errors[initiative_id] = "Choose 1, 2 or 3."
            continue
        try:
            await services.call(
                session.person,
                "initiatives",
                "PUT",
                f"/v1/ballots/{ballot_id}/votes/{initiative_id}",
                json={"score": int(score)},
            )
        except Refused as refusal:
            if refusal.status == 404:
                raise
            errors[initiative_id] = refusal.detail
            statuses.add(refusal.status)
    if errors:
        return await _page(request, session, services, ballot_id, min(statuses), errors=errors, typed=scores)
    return see_other(f"/ballots/{ballot_id}?saved=1")


@router.post("/ballots/{ballot_id}/close")
async def close(request: Request, session: Posted, services: Calls, ballot_id: BallotId) -> Response:
    """Close now (Product Ops): the service ranks the candidates and publishes the result and its audit."""
    await services.call(session.person, "initiatives", "POST", f"/v1/ballots/{ballot_id}/close")
    return see_other(f"/ballots/{ballot_id}")
