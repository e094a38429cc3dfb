"""Teams, members and product areas (Product Ops and admins write; every key reads)."""

import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.events.team import Discipline, Member, MemberRole, ProductArea, TeamKind, TeamState
from terrain_contracts.types import Email, Id, Name, Slug
from terrain_kit.api import IfMatch, Reads, etag
from terrain_kit.auth import Reader
from terrain_kit.errors import Invalid
from terrain_kit.pagination import Page

from ..handlers import teams as handlers
from ..store import teams as store
from .acting import Runner

router = APIRouter(prefix="/v1", tags=["teams"])


class NewTeam(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team_id: Id | None = Field(default=None, description="Chosen by the caller, or generated.")
    name: Name
    kind: TeamKind
    parent_team_id: Id | None = Field(default=None, description="The tribe a squad belongs to.")


class TeamPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    parent_team_id: Id | None = Field(default=None, description="Move a squad to another tribe.")


class MemberPatch(BaseModel):
    """Only the fields sent change; send null to clear away_until or backup_member_id."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    email: Email | None = None
    role: MemberRole | None = None
    away_until: datetime | None = None
    backup_member_id: Id | None = None
    discipline: Discipline | None = Field(default=None, description="product, design or engineering.")


class AreaRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class AreaOwner(BaseModel):
    area: Slug
    team_id: Id


def _answer(response: Response, team: TeamState) -> TeamState:
    etag(response, team.version)
    return team


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=TeamState)
async def create_team(body: NewTeam, call: Runner, response: Response) -> TeamState:
    """Create a tribe or a squad (a squad names its parent tribe); emits team.created."""
    team_id = body.team_id or f"team-{secrets.token_hex(5)}"
    team = await call.run(handlers.create, team_id, body.name, body.kind, body.parent_team_id)
    response.headers["Location"] = f"/v1/teams/{team_id}"
    return _answer(response, team)


@router.get("/teams", response_model=Page[TeamState])
async def list_teams(
    uow: Reads,
    principal: Reader,
    kind: TeamKind | None = None,
    parent_team_id: Id | None = None,
    member_id: Annotated[Id | None, Query(description="Teams this member belongs to.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[TeamState]:
    teams, next_cursor = await store.listing(
        uow, kind=kind, parent_team_id=parent_team_id, member_id=member_id, limit=limit, cursor=cursor
    )
    return Page(items=teams, next_cursor=next_cursor)


@router.get("/teams/{team_id}", response_model=TeamState)
async def get_team(team_id: Id, uow: Reads, principal: Reader, response: Response) -> TeamState:
    return _answer(response, await handlers.load(uow, team_id))


@router.patch("/teams/{team_id}", response_model=TeamState)
async def update_team(
    team_id: Id, body: TeamPatch, call: Runner, version: IfMatch, response: Response
) -> TeamState:
    """Rename a team or move a squad to another tribe; emits team.updated (nothing if nothing changes)."""
    return _answer(
        response, await call.run(handlers.update, team_id, version, body.name, body.parent_team_id)
    )


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(team_id: Id, call: Runner, version: IfMatch) -> Response:
    """Delete a team that owns nothing any more; emits team.deleted."""
    await call.run(handlers.delete, team_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/teams/{team_id}/members", status_code=status.HTTP_201_CREATED, response_model=TeamState)
async def add_member(
    team_id: Id, body: Member, call: Runner, version: IfMatch, response: Response
) -> TeamState:
    """Add a member with their role; emits team.member_joined."""
    return _answer(response, await call.run(handlers.add_member, team_id, version, body))


@router.patch("/teams/{team_id}/members/{member_id}", response_model=TeamState)
async def update_member(
    team_id: Id, member_id: Id, body: MemberPatch, call: Runner, version: IfMatch, response: Response
) -> TeamState:
    """Change a member's role, contact, away period or backup; emits team.member_updated."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for required in ("name", "email", "role"):
        if required in changes and changes[required] is None:
            raise Invalid(required, "cannot be null")
    return _answer(response, await call.run(handlers.update_member, team_id, version, member_id, changes))


@router.delete("/teams/{team_id}/members/{member_id}", response_model=TeamState)
async def remove_member(
    team_id: Id, member_id: Id, call: Runner, version: IfMatch, response: Response
) -> TeamState:
    """Remove a member; emits team.member_left."""
    return _answer(response, await call.run(handlers.remove_member, team_id, version, member_id))


@router.put("/teams/{team_id}/areas/{area}", response_model=TeamState)
async def assign_area(
    team_id: Id,
    area: Slug,
    body: AreaRequest,
    call: Runner,
    version: IfMatch,
    response: Response,
    transfer: Annotated[bool, Query(description="Take the area from the team owning it.")] = False,
) -> TeamState:
    """Give a product area to a team (one owner per area); emits team.area_assigned.

    With transfer=true an area owned by another team moves: team.area_released for
    the old owner, then team.area_assigned, committed together.
    """
    area_named = ProductArea(area=area, name=body.name)
    return _answer(response, await call.run(handlers.assign_area, team_id, version, area_named, transfer))


@router.delete("/teams/{team_id}/areas/{area}", response_model=TeamState)
async def release_area(
    team_id: Id, area: Slug, call: Runner, version: IfMatch, response: Response
) -> TeamState:
    """The team no longer owns the area; emits team.area_released."""
    return _answer(response, await call.run(handlers.release_area, team_id, version, area))


@router.get("/product-areas", response_model=list[AreaOwner])
async def product_areas(uow: Reads, principal: Reader) -> list[AreaOwner]:
    """Every owned product area and its team."""
    return [AreaOwner(area=doc["_id"], team_id=doc["team_id"]) for doc in await store.areas(uow)]
