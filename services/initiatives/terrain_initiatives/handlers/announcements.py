"""The planning rituals' periodic announcements, each once (a conditional stamp in the same transaction):
ballots whose window opened, ballots closing soon (to the directors who have not voted), dependency
requests overdue and, later, escalated."""

from datetime import timedelta
from typing import Any

from terrain_contracts.events.ballot import (
    BallotCandidate,
    BallotClosingSoon,
    BallotClosingSoonData,
    BallotOpened,
    BallotOpenedData,
)
from terrain_contracts.events.dependency import DependencyOverdueData, InitiativeDependencyOverdue
from terrain_kit.uow import UnitOfWork

from ..domain import announcements as rules
from ..store import dependencies as dependency_store
from ..store import initiatives as initiative_store
from ..store import planning as store
from ..store import teams as team_store
from . import event
from .candidates import of_ballot
from .context import Context


async def ballot_opened(uow: UnitOfWork, ballot: dict[str, Any]) -> None:
    """Announce a ballot whose window is open: the directors are told what they vote on and until when."""
    candidates = [
        BallotCandidate(
            initiative_id=c.candidate_id, title=c.title, owner_team_id=c.owner_team_id, kind=c.kind
        )
        for c in (await of_ballot(uow, ballot)).values()
    ]
    data = BallotOpenedData(
        ballot_id=ballot["_id"],
        quarter=ballot["quarter"],
        opens_at=ballot["opens_at"],
        closes_at=ballot["closes_at"],
        quorum=ballot["quorum"],
        candidates=candidates,
        opened_by=ballot["created_by"],
    )
    uow.emit(event(BallotOpened, data))


async def announce_opened_ballots(uow: UnitOfWork, context: Context) -> int:
    now, announced = context.now(), 0
    for ballot in await store.ballots_opened_unannounced(uow, now):
        if await store.stamp_ballot(uow, ballot["_id"], "announced_at", now):
            await ballot_opened(uow, ballot)
            announced += 1
    return announced


async def remind_closing_ballots(uow: UnitOfWork, context: Context) -> int:
    """Once per ballot, when it closes within the reminder window: who has not voted yet."""
    now, reminded = context.now(), 0
    for ballot in await store.ballots_closing_unreminded(uow, now + context.ballot_reminder):
        if not rules.reminder_due(ballot["opens_at"], ballot["closes_at"], now, context.ballot_reminder):
            continue
        if not await store.stamp_ballot(uow, ballot["_id"], "reminded_at", now):
            continue
        voted = {vote["director_id"] for vote in await store.votes(uow, ballot["_id"])}
        directors = rules.directors((await team_store.states(uow)).values())
        data = BallotClosingSoonData(
            ballot_id=ballot["_id"],
            quarter=ballot["quarter"],
            closes_at=ballot["closes_at"],
            voters=len(voted),
            quorum=ballot["quorum"],
            pending_director_ids=rules.pending_voters(directors, voted),
        )
        uow.emit(event(BallotClosingSoon, data))
        reminded += 1
    return reminded


async def announce_overdue(uow: UnitOfWork, context: Context) -> int:
    """Flag open requests past their answer-by day (announced once), and escalate those still open
    ``dependency_escalation_days`` later (announced once more, ``escalated``)."""
    today, now = context.today(), context.now()
    announced = 0
    for dependency in await dependency_store.overdue_unflagged(uow, today, "overdue_since", today):
        if await dependency_store.stamp(uow, dependency["_id"], "overdue_since", now):
            await _overdue(uow, context, dependency, escalated=False)
            announced += 1
    # A request found long overdue (the service was down) is flagged and escalated in the same run.
    cutoff = today - timedelta(days=context.dependency_escalation_days)
    for dependency in await dependency_store.overdue_unflagged(uow, today, "escalated_at", cutoff):
        if await dependency_store.stamp(uow, dependency["_id"], "escalated_at", now):
            await _overdue(uow, context, dependency, escalated=True)
            announced += 1
    return announced


async def _overdue(uow: UnitOfWork, context: Context, dependency: dict[str, Any], escalated: bool) -> None:
    initiative = await initiative_store.get(uow, dependency["initiative_id"])
    data = DependencyOverdueData(
        dependency_id=dependency["_id"],
        initiative_id=dependency["initiative_id"],
        requesting_team_id=dependency["requesting_team_id"],
        on_team_id=dependency["on_team_id"],
        answer_by=dependency["answer_by"],
        requested_by=dependency["requested_by"],
        days_overdue=max(1, rules.days_overdue(dependency["answer_by"], context.today())),
        escalated=escalated,
        initiative_title=initiative["title"] if initiative else None,
    )
    uow.emit(event(InitiativeDependencyOverdue, data))
