"""Who may do what, beyond the API role: a pm acts for the teams they are a pm member of."""

from dataclasses import dataclass

from terrain_contracts import Role
from terrain_contracts.events.team import MemberRole, TeamState
from terrain_kit.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    role: Role
    member_id: str | None
    name: str  # what histories and events record as the author

    @property
    def runs_planning(self) -> bool:
        return self.role in (Role.product_ops, Role.admin)


def is_pm_of(actor: Actor, team: TeamState) -> bool:
    return actor.member_id is not None and any(
        m.member_id == actor.member_id and m.role is MemberRole.pm for m in team.members
    )


def require_team_pm(actor: Actor, team: TeamState, doing: str) -> None:
    """Product ops and admins act for every team; a pm only for a team they are a pm member of."""
    if actor.runs_planning or is_pm_of(actor, team):
        return
    who = f"member {actor.member_id}" if actor.member_id else "this key (it names no member)"
    raise Forbidden(f"{who} is not a pm of team {team.team_id}, so may not {doing}")


def require_planning(actor: Actor, doing: str) -> None:
    if not actor.runs_planning:
        raise Forbidden(f"only product_ops may {doing}")
