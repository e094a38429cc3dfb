"""Team rules: hierarchy, members, areas, and the next state's version."""

import pytest
from terrain_contracts import Role
from terrain_contracts.events.team import Member, MemberRole, ProductArea, TeamKind, TeamState
from terrain_initiatives.domain import teams
from terrain_initiatives.domain.access import Actor, require_team_pm
from terrain_kit.errors import Conflict, Forbidden, Invalid

pytestmark = pytest.mark.unit

TRIBE = TeamState(team_id="tribe", name="Tribe", kind=TeamKind.tribe, version=1)
SQUAD = TeamState(team_id="squad", name="Squad", kind=TeamKind.squad, parent_team_id="tribe", version=3)
ADA = Member(member_id="ada", name="Ada", email="ada@example.com", role=MemberRole.pm)


def test_a_squad_belongs_to_a_tribe_and_a_tribe_to_nobody():
    teams.check_parent(TeamKind.squad, TRIBE, "tribe")
    teams.check_parent(TeamKind.tribe, None, None)
    for kind, parent, parent_id in [
        (TeamKind.squad, None, None),
        (TeamKind.squad, SQUAD, "squad"),
        (TeamKind.tribe, TRIBE, "tribe"),
        (TeamKind.squad, None, "ghost"),
    ]:
        with pytest.raises(Invalid) as refused:
            teams.check_parent(kind, parent, parent_id)
        assert refused.value.field == "parent_team_id"


def test_every_change_gives_the_next_version_and_no_change_gives_none():
    joined = teams.with_member(SQUAD, ADA)
    assert joined.version == 4 and joined.members == [ADA]
    assert teams.with_member_changed(joined, "ada", {"role": MemberRole.pm}) is None
    away = teams.with_member_changed(joined, "ada", {"backup_member_id": "bob"})
    assert away.version == 5 and away.members[0].backup_member_id == "bob"
    assert teams.renamed(SQUAD, "Squad", None) is None


def test_a_member_joins_once_and_is_not_their_own_backup():
    with pytest.raises(Conflict):
        teams.with_member(teams.with_member(SQUAD, ADA), ADA)
    with pytest.raises(Invalid):
        teams.with_member(SQUAD, ADA.model_copy(update={"backup_member_id": "ada"}))


def test_areas_are_assigned_renamed_and_released():
    billing = teams.with_area(SQUAD, ProductArea(area="billing", name="Billing"))
    assert teams.with_area(billing, ProductArea(area="billing", name="Billing")) is None
    renamed = teams.with_area(billing, ProductArea(area="billing", name="Invoicing"))
    assert [a.name for a in renamed.product_areas] == ["Invoicing"]
    assert teams.without_area(renamed, "billing").product_areas == []


def test_a_pm_acts_only_for_teams_they_are_a_pm_member_of():
    team = teams.with_member(SQUAD, ADA)
    require_team_pm(Actor(Role.pm, "ada", "ada"), team, "edit")
    require_team_pm(Actor(Role.product_ops, None, "key:1"), team, "edit")
    engineer = teams.with_member(SQUAD, ADA.model_copy(update={"role": MemberRole.engineer}))
    for actor, team_ in [
        (Actor(Role.pm, "bob", "bob"), team),
        (Actor(Role.pm, None, "key:2"), team),
        (Actor(Role.pm, "ada", "ada"), engineer),
    ]:
        with pytest.raises(Forbidden):
            require_team_pm(actor, team_, "edit")


def test_a_team_never_grows_past_the_contracts_limits():
    members = [ADA.model_copy(update={"member_id": f"m-{n}"}) for n in range(teams.MAX_MEMBERS)]
    full = SQUAD.model_copy(update={"members": members})
    with pytest.raises(Conflict, match="500 members"):
        teams.with_member(full, ADA)
