"""Each member's preferences (channels, targets, time zone, quiet hours, digests) and subscriptions."""

import uuid
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from pydantic import ValidationError
from terrain_kit.auth import Principal, require

from ..channels.http import check_hosts
from ..domain.members import Preferences, Subscription, clean_for_view
from ..domain.rules import Match, field_errors
from ..store import directory as config
from . import ctx_of, invalid, own_or_product_ops, reader, service_of

router = APIRouter(prefix="/v1/members/{member_id}", tags=["members"])
PREFERENCES_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Preferences.model_json_schema()}},
    }
}


@router.get("/preferences")
async def get_preferences(
    member_id: str, request: Request, principal: Principal = Depends(require())
) -> dict:
    own_or_product_ops(principal, member_id)
    held = (await config.preferences(reader(request), [member_id])).get(member_id)
    return {
        "member_id": member_id,
        "custom": held is not None,
        "preferences": clean_for_view(held or Preferences()),
    }


@router.put("/preferences", openapi_extra=PREFERENCES_BODY)
async def put_preferences(
    member_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    principal: Principal = Depends(require()),
) -> Any:
    """Replace a member's preferences. Personal Slack and webhook targets pass the SSRF check."""
    own_or_product_ops(principal, member_id)
    ctx = ctx_of(request)
    try:
        prefs = Preferences.model_validate(body, context={"ssrf_allow": ctx.settings.ssrf_allow})
    except ValidationError as exc:
        return invalid(field_errors(exc))
    urls = [
        (name, url)
        for name, url in (("slack_url", prefs.slack_url), ("webhook_url", prefs.webhook_url))
        if url
    ]
    errors, warnings = await check_hosts(urls, ctx.settings.ssrf_allow)
    if errors:
        return invalid(errors)
    now = ctx.clock()
    await service_of(request).transactions.run(
        lambda uow: config.save_preferences(uow, member_id, prefs, now)
    )
    return {
        "member_id": member_id,
        "custom": True,
        "preferences": clean_for_view(prefs),
        "warnings": warnings,
    }


@router.get("/subscriptions")
async def list_subscriptions(
    member_id: str, request: Request, principal: Principal = Depends(require())
) -> list:
    own_or_product_ops(principal, member_id)
    return [sub.model_dump(mode="json") for _, sub in await config.subscriptions(reader(request), member_id)]


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED)
async def subscribe(
    member_id: str, match: Match, request: Request, principal: Principal = Depends(require())
) -> dict:
    """Subscribe a member to insights beyond their own areas (themes, areas, kinds, minimum severity)."""
    own_or_product_ops(principal, member_id)
    subscription = Subscription(subscription_id=f"sub-{uuid.uuid4().hex[:12]}", **match.model_dump())
    now = ctx_of(request).clock()
    await service_of(request).transactions.run(
        lambda uow: config.add_subscription(uow, member_id, subscription, now)
    )
    return subscription.model_dump(mode="json")


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(
    member_id: str, subscription_id: str, request: Request, principal: Principal = Depends(require())
) -> Response:
    own_or_product_ops(principal, member_id)
    removed = await service_of(request).transactions.run(
        lambda uow: config.remove_subscription(uow, member_id, subscription_id)
    )
    if not removed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{member_id} has no subscription {subscription_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
