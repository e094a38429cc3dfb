"""Teams, members and product-area ownership (owned by the initiatives service).

Every event carries the team's full state and its version, so a projection
applies an event when its version is newer than what it holds and ignores it
otherwise: replays and reordering are harmless.
"""

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Email, Id, Name, Slug, UtcDatetime


class TeamKind(StrEnum):
    tribe = "tribe"
    squad = "squad"


class MemberRole(StrEnum):
    pm = "pm"
    director = "director"
    engineer = "engineer"
    designer = "designer"
    product_ops = "product_ops"


class Discipline(StrEnum):
    """The "triforce": which side of product development a director (or any member) leads."""

    product = "product"
    design = "design"
    engineering = "engineering"


class Member(Contract):
    member_id: Id
    name: Name
    email: Email
    role: MemberRole
    away_until: UtcDatetime | None = Field(default=None, description="Set while the member is away.")
    backup_member_id: Id | None = Field(
        default=None, description="Who receives their notifications meanwhile."
    )
    discipline: Discipline | None = Field(default=None, description="Product, design or engineering.")


class ProductArea(Contract):
    area: Slug
    name: Name


class TeamState(Contract):
    team_id: Id
    name: Name
    kind: TeamKind
    parent_team_id: Id | None = None
    members: list[Member] = Field(default_factory=list, max_length=500)
    product_areas: list[ProductArea] = Field(default_factory=list, max_length=200)
    version: int = Field(ge=1)


class TeamChangeData(Contract):
    team: TeamState
    changed_by: Id
    member_id: Id | None = Field(default=None, description="The member concerned, for member events.")
    area: Slug | None = Field(default=None, description="The product area concerned, for area events.")


class TeamStateEvent(Event):
    data: TeamChangeData
    stream: ClassVar[str] = streams.TEAMS


class TeamCreated(TeamStateEvent):
    type: Literal["team.created"] = "team.created"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_CREATED


class TeamUpdated(TeamStateEvent):
    type: Literal["team.updated"] = "team.updated"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_UPDATED


class TeamMemberJoined(TeamStateEvent):
    type: Literal["team.member_joined"] = "team.member_joined"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_MEMBER_JOINED


class TeamMemberUpdated(TeamStateEvent):
    """Role, away period or backup of a member changed."""

    type: Literal["team.member_updated"] = "team.member_updated"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_MEMBER_UPDATED


class TeamMemberLeft(TeamStateEvent):
    type: Literal["team.member_left"] = "team.member_left"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_MEMBER_LEFT


class TeamAreaAssigned(TeamStateEvent):
    type: Literal["team.area_assigned"] = "team.area_assigned"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_AREA_ASSIGNED


class TeamAreaReleased(TeamStateEvent):
    type: Literal["team.area_released"] = "team.area_released"
    version: Literal[1] = 1
    subject: ClassVar[str] = subjects.TEAM_AREA_RELEASED


class TeamDeletedData(Contract):
    team_id: Id
    version: int = Field(ge=1)
    changed_by: Id


class TeamDeleted(Event):
    type: Literal["team.deleted"] = "team.deleted"
    version: Literal[1] = 1
    data: TeamDeletedData
    subject: ClassVar[str] = subjects.TEAM_DELETED
    stream: ClassVar[str] = streams.TEAMS


TEAM_STATE_EVENTS = (
    TeamCreated,
    TeamUpdated,
    TeamMemberJoined,
    TeamMemberUpdated,
    TeamMemberLeft,
    TeamAreaAssigned,
    TeamAreaReleased,
)
