"""Inbox (a PM's notifications, newest first, with why they got each) and the evidence of an insight."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ..domain.pages import query
from .pages import Calls, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["inbox"])
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]
Cursor = Annotated[str | None, Query(max_length=500)]


@router.get("/inbox")
async def inbox(
    request: Request, session: Signed, services: Calls, unread: bool = False, cursor: Cursor = None
) -> Response:
    if session.person.member_id is None:  # an admin account of no team: nothing is routed to it
        return render(request, "inbox.html", items=[], unread=unread, no_member=True)
    size = context_of(request).settings.page_size
    page = await services.get(
        session.person, "notifier", "/v1/inbox", unread=unread or None, limit=size, cursor=cursor
    )
    filters = {"unread": "true" if unread else None}
    return render(
        request,
        "inbox.html",
        items=page["items"],
        unread=unread,
        next_link=query(filters, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_link=query(filters) if cursor else None,
    )


@router.post("/inbox/{item_id}/{action}")
async def mark(
    request: Request,
    session: Posted,
    services: Calls,
    item_id: ItemId,
    action: Annotated[str, Path(pattern="^(read|acknowledge)$")],
) -> Response:
    await services.call(session.person, "notifier", "POST", f"/v1/inbox/{item_id}/{action}")
    return see_other(str(request.headers.get("referer") or "/inbox") if _same_site(request) else "/inbox")


def _same_site(request: Request) -> bool:
    referer = request.headers.get("referer") or ""
    return referer.startswith(str(request.base_url))


@router.get("/insights/{insight_id}")
async def insight(request: Request, session: Signed, services: Calls, insight_id: ItemId) -> Response:
    """The evidence behind a notification: the insight's numbers and the feedback it rests on."""
    found = await services.get(session.person, "insights", f"/v1/insights/{insight_id}")
    return render(request, "insight.html", insight=found)
