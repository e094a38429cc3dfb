"""A member's preferences (channels, targets, time zone, quiet hours, digests) and subscriptions."""

import uuid
from typing import Any

from pydantic import ValidationError
from terrain_contracts.types import field_errors
from terrain_kit.errors import Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain.members import Preferences, Subscription
from ..domain.rules import Match
from ..store import directory
from .context import Context


async def checked_preferences(context: Context, body: dict[str, Any]) -> tuple[Preferences, list[str]]:
    """Preferences as sent, validated, their personal Slack and webhook targets SSRF-checked (DNS: outside
    any transaction); with warnings for hosts that do not resolve now."""
    try:
        prefs = Preferences.model_validate(body, context={"ssrf_allow": context.ssrf_allow})
    except ValidationError as exc:
        raise Invalid.fields(field_errors(exc.errors())) from None
    urls = [
        (name, url)
        for name, url in (("slack_url", prefs.slack_url), ("webhook_url", prefs.webhook_url))
        if url
    ]
    errors, warnings = await context.check_hosts(urls, context.ssrf_allow)
    if errors:
        raise Invalid.fields(errors)
    return prefs, warnings


async def save_preferences(uow: UnitOfWork, context: Context, member_id: str, prefs: Preferences) -> None:
    await directory.save_preferences(uow, member_id, prefs, context.now())


async def subscribe(uow: UnitOfWork, context: Context, member_id: str, match: Match) -> Subscription:
    subscription = Subscription(subscription_id=f"sub-{uuid.uuid4().hex[:12]}", **match.model_dump())
    await directory.add_subscription(uow, member_id, subscription, context.now())
    return subscription


async def unsubscribe(uow: UnitOfWork, member_id: str, subscription_id: str) -> None:
    if not await directory.remove_subscription(uow, member_id, subscription_id):
        raise NotFound(f"{member_id} has no subscription {subscription_id}")
