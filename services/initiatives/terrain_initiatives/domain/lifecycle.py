"""The briefing lifecycle and the quarterly planning cycle, and what each phase allows."""

from enum import StrEnum

from terrain_contracts.events.initiative import InitiativeStatus as S
from terrain_kit.errors import Conflict

FINAL = frozenset({S.shipped, S.dropped})

# Forward along the lifecycle, plus two steps back while the plan is still being negotiated:
# a proposal withdrawn to draft, an alignment reopened (e.g. a dependency was declined after all).
MOVES: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.proposed}),
    S.proposed: frozenset({S.aligned, S.draft}),
    S.aligned: frozenset({S.committed, S.proposed}),
    S.committed: frozenset({S.in_progress}),
    S.in_progress: frozenset({S.shipped}),
    S.shipped: frozenset(),
    S.dropped: frozenset(),
}


def check_move(current: S, target: S) -> None:
    """Refuse an illegal status change with the reason and what is allowed instead."""
    if current in FINAL:
        raise Conflict(f"the initiative is {current.value}: no further status change is possible")
    if target is S.dropped:
        return  # any non-final initiative can be dropped
    if target not in MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in MOVES[current] | {S.dropped}))
        raise Conflict(
            f"illegal transition from {current.value} to {target.value}: "
            f"a {current.value} initiative moves to {allowed}"
        )


def check_editable(current: S) -> None:
    if current in FINAL:
        raise Conflict(f"the initiative is {current.value}: its briefing can no longer be edited")


class Phase(StrEnum):
    drafting = "drafting"
    alignment = "alignment"
    validation = "validation"
    frozen = "frozen"


# Forward only, except that validation can reopen alignment.
PHASE_MOVES: dict[Phase, frozenset[Phase]] = {
    Phase.drafting: frozenset({Phase.alignment}),
    Phase.alignment: frozenset({Phase.validation}),
    Phase.validation: frozenset({Phase.frozen, Phase.alignment}),
    Phase.frozen: frozenset(),
}


def check_phase_move(current: Phase, target: Phase) -> None:
    if target not in PHASE_MOVES[current]:
        allowed = ", ".join(sorted(p.value for p in PHASE_MOVES[current])) or "nothing (frozen is final)"
        raise Conflict(
            f"illegal planning-cycle transition from {current.value} to {target.value}: "
            f"{current.value} moves to {allowed}"
        )


def check_accepts_briefings(quarter: str, phase: Phase | None) -> None:
    """New briefings (or briefings moved into the quarter) until validation starts.

    A quarter with no planning cycle yet accepts drafts: teams start early.
    """
    if phase in (Phase.validation, Phase.frozen):
        raise Conflict(f"quarter {quarter} is in {phase.value}: it accepts no new briefings")


# Statuses that depend on the planning phase of the initiative's quarter.
PHASES_FOR: dict[S, frozenset[Phase]] = {
    S.proposed: frozenset({Phase.drafting, Phase.alignment, Phase.validation}),
    S.aligned: frozenset({Phase.alignment, Phase.validation}),
    S.committed: frozenset({Phase.validation}),
}


def check_phase_allows(quarter: str, phase: Phase | None, target: S) -> None:
    allowed = PHASES_FOR.get(target)
    if allowed is None:
        return
    if target is S.proposed and phase is None:
        return
    if phase not in allowed:
        where = f"in {phase.value}" if phase else "without a planning cycle"
        during = " or ".join(sorted(p.value for p in allowed))
        raise Conflict(
            f"quarter {quarter} is {where}: initiatives move to {target.value} only during {during}"
        )
