"""A member's preferences (channels, targets, time zone, quiet hours, digests) and subscriptions."""

import uuid
from typing import Any

from pydantic import ValidationError
from terrain_contracts.types import field_errors
from terrain_kit.errors import Invalid, NotFound, StaleVersion, check_version
from terrain_kit.uow import UnitOfWork

from ..domain.members import Preferences, Subscription, keep_secret
from ..domain.rules import Match
from ..store import directory
from .context import Context


async def checked_preferences(
    context: Context, body: dict[str, Any], held: Preferences | None = None
) -> tuple[Preferences, list[str]]:
    """Preferences as sent, validated, their personal Slack and webhook targets SSRF-checked (DNS: outside
    any transaction); with warnings for hosts that do not resolve now. A masked webhook secret (what a read
    shows) stands for the one ``held``."""
    try:
        body = keep_secret(body, held)
    except ValueError as exc:
        raise Invalid("webhook_secret", str(exc)) from None
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


async def save_preferences(
    uow: UnitOfWork, context: Context, member_id: str, prefs: Preferences, if_match: int | None
) -> int:
    """Replace a member's preferences if ``if_match`` is their version (428 without it, 412 when stale);
    returns the new version."""
    _, current = await directory.preference_record(uow, member_id)
    check_version(current, if_match)
    version = await directory.save_preferences(uow, member_id, prefs, context.now(), expected=current)
    if version is None:
        raise StaleVersion(current, current + 1)  # a concurrent write came first
    return version


async def subscribe(uow: UnitOfWork, context: Context, member_id: str, match: Match) -> Subscription:
    subscription = Subscription(subscription_id=f"sub-{uuid.uuid4().hex[:12]}", **match.model_dump())
    await directory.add_subscription(uow, member_id, subscription, context.now())
    return subscription


async def unsubscribe(uow: UnitOfWork, member_id: str, subscription_id: str) -> None:
    if not await directory.remove_subscription(uow, member_id, subscription_id):
        raise NotFound(f"{member_id} has no subscription {subscription_id}")
