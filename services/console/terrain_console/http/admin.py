"""Administration reached through the services: the API keys of each service (admin only, enforced there)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..handlers.services import SERVICES
from .pages import Calls, Signed, render

router = APIRouter(tags=["admin"])


@router.get("/admin/api-keys")
async def api_keys(
    request: Request,
    session: Signed,
    services: Calls,
    service: Annotated[str, Query(pattern="^(feedback|initiatives|insights|notifier)$")] = "feedback",
) -> Response:
    """The page does not hide itself from other roles: the service decides, and a refusal is shown as such."""
    keys = await services.get(session.person, service, "/v1/api-keys")
    return render(request, "api_keys.html", keys=keys, service=service, services=SERVICES)
