"""What the fast tier's handler tests share: who acts, teams and briefings to act on, recorded events."""

import json
from typing import Any

from terrain_contracts import Role
from terrain_contracts.events.initiative import InitiativeStatus
from terrain_contracts.events.team import Member, MemberRole, TeamKind
from terrain_initiatives.domain.access import Actor
from terrain_initiatives.handlers import briefings, teams
from terrain_initiatives.handlers.context import Context
from terrain_initiatives.store import teams as team_store
from terrain_kit.uow import UnitOfWork

from .conftest import QUARTER

OPS = Actor(role=Role.product_ops, member_id=None, name="ops-1")
PM = Actor(role=Role.pm, member_id="pm-a", name="pm-a")
OTHER_PM = Actor(role=Role.pm, member_id="pm-b", name="pm-b")


def director(n: int) -> Actor:
    return Actor(role=Role.director, member_id=f"dir-{n}", name=f"dir-{n}")


def data_of(uow: UnitOfWork, index: int) -> dict[str, Any]:
    """The ``data`` of one recorded event, as it will be published."""
    return json.loads(uow.outbox[index]["body"])["data"]


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


async def squad(uow: UnitOfWork, context: Context, team_id: str, pm: Actor | None = None) -> None:
    """A squad (and its tribe), with ``pm`` as its pm member."""
    if await team_store.get_state(uow, "tribe-core") is None:
        await teams.create(uow, OPS, context, "tribe-core", "Core", TeamKind.tribe, None)
    await teams.create(uow, OPS, context, team_id, team_id.title(), TeamKind.squad, "tribe-core")
    if pm is not None:
        assert pm.member_id is not None
        member = Member(
            member_id=pm.member_id, name=pm.name.title(), email=f"{pm.name}@example.com", role=MemberRole.pm
        )
        await teams.add_member(uow, OPS, context, team_id, None, member)


async def briefing(uow: UnitOfWork, context: Context, team_id: str, **fields: Any) -> dict[str, Any]:
    draft = {
        "title": f"Initiative of {team_id}",
        "problem": "Customers wait too long.",
        "source": "strategy",
        "size": "m",
        "intention": "Make it fast.",
        "owner_team_id": team_id,
        "quarter": QUARTER,
        **fields,
    }
    return await briefings.create(uow, OPS, context, draft)


async def proposed(uow: UnitOfWork, context: Context, team_id: str) -> str:
    doc = await briefing(uow, context, team_id)
    await briefings.move(uow, OPS, context, doc["_id"], 1, InitiativeStatus.proposed)
    return doc["_id"]
