"""Periodic maintenance, on one replica at a time under a lease: overdue flags, ended ballots, rescoring."""

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from terrain_contracts import Role
from terrain_kit.errors import DomainError
from terrain_kit.leases import Lease, every
from terrain_kit.service import Service
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.access import Actor
from ..handlers import announcements, ballots, maintenance
from ..handlers.context import Context

log = logging.getLogger(__name__)

# Who closes ballots whose window ended, in the ballot and its ballot.closed event.
SCHEDULER = Actor(role=Role.admin, member_id=None, name="initiatives-scheduler")


async def close_ended_ballots(service: Service, context: Context) -> None:
    """Close every ballot whose window ended, each in its own transaction."""
    for ballot_id in await ballots.close_ended(UnitOfWork.read_only(service.db), context):
        try:
            doc, announced = await service.transactions.run(
                partial(ballots.close, actor=SCHEDULER, context=context, ballot_id=ballot_id)
            )
        except DomainError as refused:  # e.g. Product Ops closed it at the same moment
            log.info(
                "ballot not closed by the scheduler", extra={"ballot": ballot_id, "reason": refused.reason}
            )
            continue
        if announced:
            metrics.BALLOTS_CLOSED.labels(str(doc["result"]["quorum_met"]).lower(), "scheduler").inc()


async def run_maintenance(service: Service, context: Context) -> None:
    """Announce overdue dependencies and ballots opening or closing soon, close ballots whose window ended
    (each step its own transaction; each announcement once, whichever replica holds the lease)."""
    for step in (
        announcements.announce_overdue,
        announcements.announce_opened_ballots,
        announcements.remind_closing_ballots,
    ):
        done = await service.transactions.run(partial(step, context=context))
        if done:
            log.info("planning announcements", extra={"step": step.__name__, "count": done})
    await close_ended_ballots(service, context)
    metrics.OVERDUE.set(await maintenance.overdue_count(UnitOfWork.read_only(service.db), context))


async def rescore(service: Service, context: Context) -> None:
    try:
        rescored = await service.transactions.run(
            lambda uow: maintenance.rescore_if_weights_changed(uow, context)
        )
    except Exception:
        # Scores stay as they were until the next start; the periodic work must still run.
        log.exception("rescoring after a change of priority weights failed")
    else:
        if rescored:
            log.info("priority weights changed: initiatives rescored", extra={"count": rescored})


def background(context: Context, interval: float) -> Callable[[Service], Awaitable[None]]:
    """The service's background task: rescore once after a change of weights, then maintain periodically."""

    async def initiatives_maintenance(service: Service) -> None:
        await rescore(service, context)
        lease = Lease(
            service.db, "initiatives-maintenance", service.instance, ttl_seconds=max(interval * 3, 10)
        )
        await every(interval, lease, lambda: run_maintenance(service, context))

    return initiatives_maintenance
