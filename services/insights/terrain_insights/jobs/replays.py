"""Replays, run chunk by chunk on the replica holding the replay lease (another one resumes from the
cursor)."""

from functools import partial
from typing import Any

from terrain_kit.leases import Lease, every
from terrain_kit.service import Service

from ..handlers import replay
from ..handlers.context import Context
from ..store import items


async def run(context: Context, service: Service) -> None:
    lease = Lease(service.db, "insights-replay", service.instance, 60)

    async def job() -> None:
        running = await service.transactions.run(replay.next_job)
        if running is not None:
            await walk(context, service, lease, running)

    await every(context.settings.periodic.replay_poll_seconds, lease, job)


async def walk(context: Context, service: Service, lease: Lease, running: dict[str, Any]) -> None:
    """Every item past the job's cursor, one transaction per chunk, then the job finished."""
    run = service.transactions.run
    async for ids in items.ids_after(service.db, running["cursor"], context.settings.periodic.replay_chunk):
        if not await run(partial(replay.step, context=context, job_id=running["_id"], ids=ids)):
            return  # cancelled, or finished by another replica
        if not await lease.acquire():  # renew; another replica took over after an expiry
            return
    await run(lambda uow: replay.finish(uow, context, running["_id"]))
