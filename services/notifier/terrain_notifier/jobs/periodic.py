"""Periodic work, run on one replica at a time under a lease: digests and escalations.

Each run looks for what is due and runs one unit of work per digest or escalation
(``handlers.periodic``); both are idempotent, since a lease can expire mid-run.
"""

from collections.abc import Awaitable, Callable
from functools import partial

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service
from terrain_kit.uow import Transactions

from ..handlers import periodic
from ..handlers.context import Context
from ..store import state

Job = Callable[[Transactions, Context], Awaitable[int]]
Task = Callable[[Service], Awaitable[None]]


async def send_digests(transactions: Transactions, context: Context) -> int:
    """Merge each member's due digest items (per channel and window) into one message."""
    made = 0
    for group in await state.due_digest_groups(transactions.db, context.now()):
        member, channel, due_at = group["_id"]["member_id"], group["_id"]["channel"], group["_id"]["due_at"]
        made += await transactions.run(
            partial(periodic.send_digest, context=context, member=member, channel=channel, due_at=due_at)
        )
    if made:
        context.wake()
    return made


async def escalate(transactions: Transactions, context: Context) -> int:
    """Critical insights nobody acknowledged: first the backups of those notified, then Product Ops."""
    now = context.now()
    done = 0
    for held in await state.due_escalations(transactions.db, now):
        done += await transactions.run(partial(periodic.escalate, context=context, held=held, now=now))
    if done:
        context.wake()
    return done


def under_lease(name: str, job: Job, context: Context) -> Task:
    """A background task running ``job`` every ``PERIODIC_SECONDS`` on whichever replica holds the lease."""

    async def task(service: Service) -> None:
        interval = context.settings.policy.periodic_seconds
        lease = Lease(service.db, f"notifier-{name}", service.instance, ttl_seconds=max(3 * interval, 10.0))
        await every(interval, lease, lambda: job(service.transactions, context))

    task.__name__ = name
    return task
