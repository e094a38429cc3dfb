"""Team aggregate rules: tribes and squads, members with roles, owned product areas.

Every change produces the team's next full state (``version`` + 1), which the
``team.*`` event carries so that projections can apply it idempotently.
"""

from typing import Any

from terrain_contracts.events.team import Member, ProductArea, TeamKind, TeamState
from terrain_kit.errors import Conflict, Invalid, NotFound

# The limits of TeamState in the contract.
MAX_MEMBERS = TeamState.model_fields["members"].metadata[0].max_length
MAX_AREAS = TeamState.model_fields["product_areas"].metadata[0].max_length


def check_parent(kind: TeamKind, parent: TeamState | None, parent_id: str | None) -> None:
    """A squad belongs to a tribe; a tribe has no parent."""
    if kind is TeamKind.tribe:
        if parent_id is not None:
            raise Invalid("parent_team_id", "a tribe has no parent team")
        return
    if parent_id is None:
        raise Invalid("parent_team_id", "a squad needs its parent tribe")
    if parent is None:
        raise Invalid("parent_team_id", f"no team {parent_id}")
    if parent.kind is not TeamKind.tribe:
        raise Invalid("parent_team_id", f"team {parent_id} is a squad; a squad's parent must be a tribe")


def _next(team: TeamState, **changes: Any) -> TeamState:
    # Validated again: model_copy alone would let a state past the contract's limits through.
    return TeamState.model_validate({**team.model_dump(), **changes, "version": team.version + 1})


def renamed(team: TeamState, name: str | None, parent_team_id: str | None) -> TeamState | None:
    """The next state, or None when nothing changes."""
    changes = {}
    if name is not None and name != team.name:
        changes["name"] = name
    if parent_team_id is not None and parent_team_id != team.parent_team_id:
        changes["parent_team_id"] = parent_team_id
    return _next(team, **changes) if changes else None


def find_member(team: TeamState, member_id: str) -> Member:
    for member in team.members:
        if member.member_id == member_id:
            return member
    raise NotFound(f"team {team.team_id} has no member {member_id}")


def with_member(team: TeamState, member: Member) -> TeamState:
    if any(m.member_id == member.member_id for m in team.members):
        raise Conflict(f"member {member.member_id} is already in team {team.team_id}")
    if member.backup_member_id == member.member_id:
        raise Invalid("backup_member_id", "a member cannot be their own backup")
    if len(team.members) >= MAX_MEMBERS:
        raise Conflict(f"team {team.team_id} has {MAX_MEMBERS} members, the most a team can have")
    return _next(team, members=[*team.members, member])


def with_member_changed(team: TeamState, member_id: str, changes: dict[str, Any]) -> TeamState | None:
    """Apply the given fields (None clears away_until or backup); None when nothing changes."""
    current = find_member(team, member_id)
    updated = Member.model_validate({**current.model_dump(), **changes})
    if updated.backup_member_id == member_id:
        raise Invalid("backup_member_id", "a member cannot be their own backup")
    if updated == current:
        return None
    return _next(team, members=[updated if m.member_id == member_id else m for m in team.members])


def without_member(team: TeamState, member_id: str) -> TeamState:
    find_member(team, member_id)
    return _next(team, members=[m for m in team.members if m.member_id != member_id])


def with_area(team: TeamState, area: ProductArea) -> TeamState | None:
    """Assign (or rename) an area; None when the team already owns it under that name."""
    kept = [a for a in team.product_areas if a.area != area.area]
    if len(kept) < len(team.product_areas) and area in team.product_areas:
        return None
    if len(kept) >= MAX_AREAS:
        raise Conflict(f"team {team.team_id} owns {MAX_AREAS} product areas, the most a team can own")
    return _next(team, product_areas=[*kept, area])


def without_area(team: TeamState, area: str) -> TeamState:
    if not any(a.area == area for a in team.product_areas):
        raise NotFound(f"team {team.team_id} does not own product area {area}")
    return _next(team, product_areas=[a for a in team.product_areas if a.area != area])
