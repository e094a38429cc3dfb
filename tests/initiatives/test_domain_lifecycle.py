"""The briefing lifecycle and the planning phases, as pure rules."""

import pytest
from terrain_contracts.events.initiative import InitiativeStatus as S
from terrain_initiatives.domain.lifecycle import (
    Phase,
    check_accepts_briefings,
    check_move,
    check_phase_allows,
    check_phase_move,
)
from terrain_kit.errors import Conflict

pytestmark = pytest.mark.unit

LEGAL = {
    (S.draft, S.proposed),
    (S.proposed, S.aligned),
    (S.aligned, S.committed),
    (S.committed, S.in_progress),
    (S.in_progress, S.shipped),
    (S.proposed, S.draft),
    (S.aligned, S.proposed),
}
OPEN = [s for s in S if s not in (S.shipped, S.dropped)]


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_each_step_of_the_lifecycle_is_allowed(current, target):
    check_move(current, target)


@pytest.mark.parametrize("current", OPEN)
def test_any_open_initiative_can_be_dropped(current):
    check_move(current, S.dropped)


@pytest.mark.parametrize(
    ("current", "target"), [(c, t) for c in OPEN for t in S if t is not S.dropped and (c, t) not in LEGAL]
)
def test_every_other_move_is_refused_with_what_is_allowed_instead(current, target):
    with pytest.raises(Conflict) as refused:
        check_move(current, target)
    assert refused.value.reason.startswith(f"illegal transition from {current.value} to {target.value}: ")
    assert "dropped" in refused.value.reason


@pytest.mark.parametrize("final", [S.shipped, S.dropped])
@pytest.mark.parametrize("target", list(S))
def test_a_final_initiative_never_moves(final, target):
    with pytest.raises(Conflict, match=f"the initiative is {final.value}"):
        check_move(final, target)


def test_the_planning_cycle_moves_forward_and_validation_may_reopen_alignment():
    check_phase_move(Phase.drafting, Phase.alignment)
    check_phase_move(Phase.alignment, Phase.validation)
    check_phase_move(Phase.validation, Phase.alignment)
    check_phase_move(Phase.validation, Phase.frozen)
    for current, target in [
        (Phase.drafting, Phase.frozen),
        (Phase.frozen, Phase.validation),
        (Phase.alignment, Phase.drafting),
    ]:
        with pytest.raises(Conflict, match="illegal planning-cycle transition"):
            check_phase_move(current, target)


@pytest.mark.parametrize(
    ("phase", "accepts"),
    [
        (None, True),
        (Phase.drafting, True),
        (Phase.alignment, True),
        (Phase.validation, False),
        (Phase.frozen, False),
    ],
)
def test_new_briefings_are_accepted_until_validation(phase, accepts):
    if accepts:
        check_accepts_briefings("2027-Q1", phase)
    else:
        with pytest.raises(Conflict, match="accepts no new briefings"):
            check_accepts_briefings("2027-Q1", phase)


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        (S.proposed, {None, Phase.drafting, Phase.alignment, Phase.validation}),
        (S.aligned, {Phase.alignment, Phase.validation}),
        (S.committed, {Phase.validation}),
        (S.in_progress, {None, *Phase}),
        (S.draft, {None, *Phase}),
    ],
)
def test_each_status_is_reachable_only_in_its_phases(target, allowed):
    for phase in (None, *Phase):
        if phase in allowed:
            check_phase_allows("2027-Q1", phase, target)
        else:
            with pytest.raises(Conflict, match=f"initiatives move to {target.value} only during"):
                check_phase_allows("2027-Q1", phase, target)
