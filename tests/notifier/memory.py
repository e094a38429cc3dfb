"""What the tests share: an in-memory unit of work's helpers, a movable clock, fake target checks."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.team import Member, MemberRole
from terrain_contracts.types import FieldError
from terrain_kit.uow import UnitOfWork
from terrain_notifier.handlers import projections

from .factories import NOW, member, team, team_created


class Clock:
    """The Context's clock, moved by the test (``clock.now += timedelta(...)``)."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def no_dns(urls, allow) -> tuple[list[FieldError], list[str]]:
    """Targets pass: the SSRF check of resolved addresses is the integration tests' business."""
    return [], []


async def refuse_all(urls, allow) -> tuple[list[FieldError], list[str]]:
    return [FieldError(field=name, message="refused target: private address") for name, _ in urls], []


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


async def docs(uow: UnitOfWork, collection: str, **query: Any) -> list[dict[str, Any]]:
    return await uow[collection].find(query).sort("_id", 1).to_list(None)


async def billing_team(uow: UnitOfWork, *members: Member) -> None:
    """Team t-billing owning area billing: by default PM pm-ann and Product Ops ops-olga."""
    people = members or (member("pm-ann"), member("ops-olga", MemberRole.product_ops))
    await projections.apply_teams(uow, [team_created(team("t-billing", list(people), ["billing"]))])
