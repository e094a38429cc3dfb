"""Closing the loop: feedback an initiative answered is marked shipped."""

from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..store import items as store


async def mark_shipped(uow: UnitOfWork, feedback_ids: list[str], initiative_id: str) -> int:
    """Mark the items shipped in ``initiative_id``; a redelivery changes nothing (counted 0)."""
    count = await store.mark_shipped(uow, feedback_ids, initiative_id) if feedback_ids else 0
    metrics.SHIPPED.inc(count)
    return count
