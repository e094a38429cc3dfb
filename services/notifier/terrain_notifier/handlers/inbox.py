"""The in-app inbox: a member marks an item read, or acknowledges its insight (stopping escalations)."""

from typing import Any

from terrain_kit.errors import NotFound
from terrain_kit.uow import UnitOfWork

from ..store import state
from .context import Context

READ, ACKNOWLEDGED = "read_at", "acknowledged_at"


async def mark(uow: UnitOfWork, context: Context, member_id: str, item_id: str, field: str) -> dict[str, Any]:
    """Set ``field`` (READ or ACKNOWLEDGED) once; acknowledging also reads the item. Returns the item as
    that first change left it."""
    now = context.now()
    item = await state.mark_inbox(uow, member_id, item_id, field, now)
    if item is None:
        raise NotFound(f"no inbox item {item_id} for {member_id}")
    if field == ACKNOWLEDGED:
        await state.mark_inbox(uow, member_id, item_id, READ, now)
        # Acknowledging the situation stops its escalation for everyone.
        await state.acknowledge(uow, item["dedup_key"], member_id, now)
    return item
