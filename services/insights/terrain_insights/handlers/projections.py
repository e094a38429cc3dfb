"""Teams and initiatives as insights needs them, and the detectors their changes drive."""

from datetime import timedelta

from terrain_contracts import Event
from terrain_contracts.events.initiative import (
    InitiativeCreated,
    InitiativeDropped,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeShipped,
    InitiativeStatusChanged,
    InitiativeUpdated,
)
from terrain_contracts.events.insight import InsightKind, Severity
from terrain_contracts.events.team import TeamDeleted, TeamStateEvent
from terrain_kit.uow import UnitOfWork

from ..domain import detectors
from ..domain.insights import Draft
from ..store import insights as insights_store
from ..store import projections
from .context import Context
from .raising import raise_or_update, resolve

# The initiative events carrying the briefing's whole state.
BRIEFING_EVENTS = (
    InitiativeCreated,
    InitiativeUpdated,
    InitiativeStatusChanged,
    InitiativeShipped,
    InitiativeDropped,
)


async def apply_team(uow: UnitOfWork, event: Event) -> None:
    if isinstance(event, TeamDeleted):
        await projections.apply_team(
            uow, event.data.team_id, event.data.version, {"deleted": True, "areas": []}
        )
        return
    assert isinstance(event, TeamStateEvent), event.type  # the consumer takes team events only
    team = event.data.team
    await projections.apply_team(
        uow,
        team.team_id,
        team.version,
        {"name": team.name, "areas": [a.area for a in team.product_areas], "deleted": False},
    )


async def apply_initiative(uow: UnitOfWork, event: Event, context: Context) -> None:
    if isinstance(event, InitiativeFeedbackLinked | InitiativeFeedbackUnlinked):
        await apply_link(uow, event, context)
        return
    assert isinstance(event, BRIEFING_EVENTS), event.type  # the consumer takes initiative events only
    briefing = event.data.initiative.model_dump(mode="python")
    previous = await projections.apply_initiative(uow, briefing, event.occurred_at)
    if previous is not None and previous.get("stale"):
        return
    if briefing["status"] in detectors.ACTIVE_STATUSES:
        await resolve_covered_unowned(uow, context, briefing, event)
    else:  # shipped, dropped or back to planning: evidence insights about it no longer apply
        for suffix in ("gaining", "lacking"):
            current = await insights_store.open_for(uow, f"evidence:{briefing['initiative_id']}:{suffix}")
            if current is not None:
                await resolve(uow, current, f"initiative is now {briefing['status']}", context.now(), event)


async def resolve_covered_unowned(uow: UnitOfWork, context: Context, briefing: dict, cause: Event) -> None:
    for marker in await insights_store.open_situations(uow, "unowned:"):
        current = await insights_store.open_for(uow, marker["_id"])
        if current is not None and detectors.covers(briefing, current.theme or "", current.product_area):
            await resolve(
                uow,
                current,
                f"initiative {briefing['initiative_id']} ('{briefing['title']}') is "
                f"{briefing['status']} and covers theme '{current.theme}'",
                context.now(),
                cause,
            )


async def apply_link(
    uow: UnitOfWork, event: InitiativeFeedbackLinked | InitiativeFeedbackUnlinked, context: Context
) -> None:
    data = event.data
    if isinstance(event, InitiativeFeedbackUnlinked):
        await projections.unlink(uow, data.initiative_id, data.feedback_id)
        return
    await projections.link(uow, data.initiative_id, data.feedback_id, event.occurred_at)
    initiative = await projections.get_initiative(uow, data.initiative_id)
    if initiative is None or initiative["status"] not in detectors.ACTIVE_STATUSES:
        return
    lacking = await insights_store.open_for(uow, f"evidence:{data.initiative_id}:lacking")
    if lacking is not None:
        await resolve(uow, lacking, "the initiative received its first evidence", context.now(), event)
    settings = context.detectors
    recent = await projections.links_since(
        uow, data.initiative_id, context.now() - timedelta(days=settings.evidence_window_days)
    )
    if len(recent) < settings.evidence_fast_count:
        return
    situation = f"evidence:{data.initiative_id}:gaining"
    current = await insights_store.open_for(uow, situation)
    if current is not None and int(current.metrics.get("links", 0)) >= len(recent):
        return
    total = len(await projections.links_since(uow, data.initiative_id, None))
    draft = Draft(
        situation=situation,
        kind=InsightKind.initiative_evidence,
        severity=Severity.info,
        dedup_key=situation,
        title=f"'{initiative['title']}' is gaining evidence fast: {len(recent)} links in "
        f"{settings.evidence_window_days} days"[:200],
        summary=(
            f"Initiative '{initiative['title']}' ({initiative['status']}) received {len(recent)} linked "
            f"feedback items in the last {settings.evidence_window_days} days ({total} in all)."
        ),
        product_area=initiative.get("product_area"),
        owning_team_id=initiative.get("owner_team_id"),
        initiative_id=data.initiative_id,
        evidence=[link["feedback_id"] for link in recent][:100],
        metrics={"links": len(recent), "links_total": total},
    )
    await raise_or_update(uow, draft, current, event, context.now())
