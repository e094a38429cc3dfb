"""Teams, members and product areas (Product Ops and admins write; every key reads)."""

import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts import Role
from terrain_contracts.events.team import Member, MemberRole, ProductArea, TeamKind, TeamState
from terrain_contracts.types import Email, Id, Name, Slug
from terrain_kit.auth import Principal, require
from terrain_kit.pagination import Page

from ..domain.errors import Invalid
from ..handlers import teams as handlers
from ..store import teams as store
from .common import Ctx, IfMatch, Reads, actor_of, etag, run

router = APIRouter(prefix="/v1", tags=["teams"])
Writer = Annotated[Principal, Depends(require(Role.product_ops))]
Reader = Depends(require())


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
async def create_team(
    body: NewTeam, principal: Writer, ctx: Ctx, request: Request, response: Response
) -> TeamState:
    """Create a tribe or a squad (a squad names its parent tribe); emits team.created."""
    team_id = body.team_id or f"team-{secrets.token_hex(5)}"
    team = await run(
        request,
        lambda uow: handlers.create(
            uow, actor_of(principal), ctx, team_id, body.name, body.kind, body.parent_team_id
        ),
    )
    response.headers["Location"] = f"/v1/teams/{team_id}"
    return _answer(response, team)


@router.get("/teams", response_model=Page[TeamState], dependencies=[Reader])
async def list_teams(
    uow: Reads,
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


@router.get("/teams/{team_id}", response_model=TeamState, dependencies=[Reader])
async def get_team(team_id: Id, uow: Reads, response: Response) -> TeamState:
    return _answer(response, await handlers.load(uow, team_id))


@router.patch("/teams/{team_id}", response_model=TeamState)
async def update_team(
    team_id: Id,
    body: TeamPatch,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
) -> TeamState:
    """Rename a team or move a squad to another tribe; emits team.updated (nothing if nothing changes)."""
    team = await run(
        request,
        lambda uow: handlers.update(
            uow, actor_of(principal), ctx, team_id, version, body.name, body.parent_team_id
        ),
    )
    return _answer(response, team)


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(
    team_id: Id, principal: Writer, ctx: Ctx, version: IfMatch, request: Request
) -> Response:
    """Delete a team that owns nothing any more; emits team.deleted."""
    await run(request, lambda uow: handlers.delete(uow, actor_of(principal), ctx, team_id, version))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/teams/{team_id}/members", status_code=status.HTTP_201_CREATED, response_model=TeamState)
async def add_member(
    team_id: Id,
    body: Member,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
) -> TeamState:
    """Add a member with their role; emits team.member_joined."""
    team = await run(
        request, lambda uow: handlers.add_member(uow, actor_of(principal), ctx, team_id, version, body)
    )
    return _answer(response, team)


@router.patch("/teams/{team_id}/members/{member_id}", response_model=TeamState)
async def update_member(
    team_id: Id,
    member_id: Id,
    body: MemberPatch,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
) -> TeamState:
    """Change a member's role, contact, away period or backup; emits team.member_updated."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for required in ("name", "email", "role"):
        if required in changes and changes[required] is None:
            raise Invalid(required, "cannot be null")
    team = await run(
        request,
        lambda uow: handlers.update_member(
            uow, actor_of(principal), ctx, team_id, version, member_id, changes
        ),
    )
    return _answer(response, team)


@router.delete("/teams/{team_id}/members/{member_id}", response_model=TeamState)
async def remove_member(
    team_id: Id,
    member_id: Id,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
) -> TeamState:
    """Remove a member; emits team.member_left."""
    team = await run(
        request,
        lambda uow: handlers.remove_member(uow, actor_of(principal), ctx, team_id, version, member_id),
    )
    return _answer(response, team)


@router.put("/teams/{team_id}/areas/{area}", response_model=TeamState)
async def assign_area(
    team_id: Id,
    area: Slug,
    body: AreaRequest,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
    transfer: Annotated[bool, Query(description="Take the area from the team owning it.")] = False,
) -> TeamState:
    """Give a product area to a team (one owner per area); emits team.area_assigned.

    With transfer=true an area owned by another team moves: team.area_released for
    the old owner, then team.area_assigned, committed together.
    """
    team = await run(
        request,
        lambda uow: handlers.assign_area(
            uow, actor_of(principal), ctx, team_id, version, ProductArea(area=area, name=body.name), transfer
        ),
    )
    return _answer(response, team)


@router.delete("/teams/{team_id}/areas/{area}", response_model=TeamState)
async def release_area(
    team_id: Id,
    area: Slug,
    principal: Writer,
    ctx: Ctx,
    version: IfMatch,
    request: Request,
    response: Response,
) -> TeamState:
    """The team no longer owns the area; emits team.area_released."""
    team = await run(
        request, lambda uow: handlers.release_area(uow, actor_of(principal), ctx, team_id, version, area)
    )
    return _answer(response, team)


@router.get("/product-areas", response_model=list[AreaOwner], dependencies=[Reader])
async def product_areas(uow: Reads) -> list[AreaOwner]:
    """Every owned product area and its team."""
    return [AreaOwner(area=doc["_id"], team_id=doc["team_id"]) for doc in await store.areas(uow)]
