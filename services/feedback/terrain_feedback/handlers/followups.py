"""What became of items, from other services' events: the theme insights gave them, the initiatives that
link them, and those initiatives' status. Redeliveries and late, older events change nothing."""

from typing import Any, TypeAlias

from terrain_contracts.events.feedback import FeedbackClassified
from terrain_contracts.events.initiative import (
    Briefing,
    InitiativeCreated,
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeShipped,
    InitiativeStatusChanged,
    InitiativeUpdated,
)
from terrain_kit.uow import UnitOfWork

from ..store import erasures as erasure_store
from ..store import followups as store

InitiativeEvent: TypeAlias = (
    InitiativeCreated
    | InitiativeUpdated
    | InitiativeStatusChanged
    | InitiativeShipped
    | InitiativeDropped
    | InitiativeFeedbackLinked
    | InitiativeFeedbackUnlinked
)


async def apply_classified(uow: UnitOfWork, events: list[FeedbackClassified]) -> None:
    """Keep the best theme of each item's newest classified revision (none: unassigned)."""
    newest: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event.data
        held = newest.get(data.feedback_id)
        if held is None or data.revision >= held["revision"]:
            best = data.themes[0] if data.themes else None
            newest[data.feedback_id] = {
                "_id": data.feedback_id,
                "revision": data.revision,
                "theme": best.theme if best else None,
                "product_area": best.product_area if best else None,
                "category": data.category.value,
            }
    if not newest:
        return
    stored = await store.theme_revisions(uow, newest)
    gone = await erasure_store.erased_ids(uow, list(newest))
    fresh = [d for fid, d in newest.items() if fid not in gone and d["revision"] >= stored.get(fid, 0)]
    await store.write_themes(uow, fresh)


async def apply_initiative(uow: UnitOfWork, event: InitiativeEvent) -> None:
    """Links as the initiatives service announces them; each briefing's title and status, newest only."""
    if isinstance(event, InitiativeFeedbackLinked):
        if not await erasure_store.erased_ids(uow, [event.data.feedback_id]):
            await store.link(uow, event.data.initiative_id, event.data.feedback_id)
        return
    if isinstance(event, InitiativeFeedbackUnlinked):
        await store.unlink(uow, event.data.initiative_id, event.data.feedback_id)
        return
    briefing: Briefing = event.data.initiative
    reason = event.data.reason if isinstance(event, InitiativeDropped) else None
    status = briefing.status.value
    if isinstance(event, InitiativeStatusChanged):
        status = event.data.to_status.value
    elif isinstance(event, InitiativeShipped | InitiativeDropped):
        status = "shipped" if isinstance(event, InitiativeShipped) else "dropped"
    # A status change and the update before it may share a version: the later event's status wins then.
    if briefing.version < await store.initiative_version(uow, briefing.initiative_id):
        return
    await store.write_initiative(
        uow,
        {
            "_id": briefing.initiative_id,
            "title": briefing.title,
            "status": status,
            "quarter": briefing.quarter,
            "version": briefing.version,
            "reason": reason,
        },
    )
