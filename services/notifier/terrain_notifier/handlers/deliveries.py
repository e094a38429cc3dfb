"""Product Ops sends a failed delivery again, from its first attempt (after fixing the endpoint)."""

from typing import Any

from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from ..store import deliveries
from .context import Context


async def retry(uow: UnitOfWork, context: Context, notification_id: str) -> dict[str, Any]:
    if not await deliveries.requeue(uow, notification_id, context.now()):
        raise Conflict(f"{notification_id} is not a failed delivery")
    uow.after_commit(context.wake)
    return await deliveries.get(uow, notification_id) or {}
