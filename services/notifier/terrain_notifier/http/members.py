"""Each member's preferences (channels, targets, time zone, quiet hours, digests) and subscriptions."""

from typing import Any

from fastapi import APIRouter, Body, Response, status
from terrain_kit.api import IfMatch, Reads, etag
from terrain_kit.auth import Reader
from terrain_kit.errors import check_version

from ..domain.members import Preferences, clean_for_view
from ..domain.rules import Match
from ..handlers import members
from ..store import directory
from .access import Member, own_or_product_ops

router = APIRouter(prefix="/v1/members/{member_id}", tags=["members"])
PREFERENCES_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Preferences.model_json_schema()}},
    }
}


@router.get("/preferences")
async def get_preferences(
    member_id: str, uow: Reads, principal: Reader, response: Response
) -> dict[str, Any]:
    """A member's preferences (the webhook secret masked) and their version (also the ETag)."""
    own_or_product_ops(principal, member_id)
    held, version = await directory.preference_record(uow, member_id)
    etag(response, version)
    return {
        "member_id": member_id,
        "custom": held is not None,
        "version": version,
        "preferences": clean_for_view(held or Preferences()),
    }


@router.put("/preferences", openapi_extra=PREFERENCES_BODY)
async def put_preferences(
    member_id: str,
    call: Member,
    uow: Reads,
    version: IfMatch,
    response: Response,
    body: dict[str, Any] = Body(...),
) -> dict[str, Any]:
    """Replace a member's preferences based on the version in If-Match (428 without it, 412 when stale).
    Personal Slack and webhook targets pass the SSRF check; a masked webhook secret keeps the stored one."""
    own_or_product_ops(call.principal, member_id)
    held, current = await directory.preference_record(uow, member_id)
    check_version(current, version)  # early; checked again in the transaction
    prefs, warnings = await members.checked_preferences(call.context, body, held)
    saved = await call.run(members.save_preferences, call.context, member_id, prefs, version)
    etag(response, saved)
    return {
        "member_id": member_id,
        "custom": True,
        "version": saved,
        "preferences": clean_for_view(prefs),
        "warnings": warnings,
    }


@router.get("/subscriptions")
async def list_subscriptions(member_id: str, uow: Reads, principal: Reader) -> list[dict[str, Any]]:
    own_or_product_ops(principal, member_id)
    return [sub.model_dump(mode="json") for _, sub in await directory.subscriptions(uow, member_id)]


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED)
async def subscribe(member_id: str, match: Match, call: Member) -> dict[str, Any]:
    """Subscribe a member to insights beyond their own areas (themes, areas, kinds, minimum severity)."""
    own_or_product_ops(call.principal, member_id)
    subscription = await call.run(members.subscribe, call.context, member_id, match)
    return subscription.model_dump(mode="json")


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(member_id: str, subscription_id: str, call: Member) -> Response:
    own_or_product_ops(call.principal, member_id)
    await call.run(members.unsubscribe, member_id, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
