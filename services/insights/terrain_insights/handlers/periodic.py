"""Periodic detectors, run under a lease on one replica: unowned demand (over the themes touched since its
last run), faded spikes, top demand, lacking evidence, and the emerging-theme candidates clustered from
unassigned items."""

import asyncio
from datetime import datetime, timedelta
from uuid import uuid4

from terrain_contracts.events.insight import InsightKind, Severity
from terrain_kit.uow import UnitOfWork

from ..domain import detectors
from ..domain.aggregates import Demand, by_demand, day_starts, ranked
from ..domain.classify.cluster import cluster_texts
from ..domain.insights import MAX_EVIDENCE, Draft, money, unowned_demand_draft, unowned_demand_moved
from ..store import aggregates, candidates, items, job_runs, projections
from ..store import insights as insights_store
from ..store import taxonomy as taxonomy_store
from .context import Context
from .detect import spike_verdicts
from .raising import raise_or_update, resolve
from .situations import Situations
from .windows import DemandWindows

UNOWNED_JOB = "unowned-demand"
CLUSTER_SAMPLE = (
    1500  # the most recent unassigned items: a few seconds of embedding and linkage, off the loop
)
OVERLAP_MARGIN_SECONDS = 5  # clocks of replicas may disagree by this much


async def resolve_faded_spikes(uow: UnitOfWork, context: Context) -> None:
    themes = [
        marker["_id"].split(":", 1)[1] for marker in await insights_store.open_situations(uow, "spike:")
    ]
    now = context.now()
    verdicts = await spike_verdicts(uow, context, themes, now)
    faded = [theme for theme in themes if not verdicts[theme].is_spike]
    current = await insights_store.open_for_many(uow, [f"spike:{theme}" for theme in faded])
    for theme in faded:
        insight = current.get(f"spike:{theme}")
        if insight is not None:
            verdict = verdicts[theme]
            await resolve(
                uow,
                insight,
                f"volume back to {verdict.count} items in "
                f"{context.detectors.spike_window_hours}h ({verdict.expected:g} expected)",
                now,
            )


async def ranking(uow: UnitOfWork, now: datetime, days: int, segment: str | None = None) -> list[Demand]:
    """Themes by demand over ``days``, read whole (any window, on any replica): ARR of the accounts asking,
    then unique accounts, then items."""
    since = day_starts(now, days)[0]
    buckets = await aggregates.theme_days(uow, since, now)
    return ranked(buckets, await aggregates.members(uow, list(buckets), since), segment)


async def themes_in_demand(uow: UnitOfWork, context: Context) -> list[str]:
    """Themes with day buckets in the demand window."""
    now = context.now()
    return sorted(await aggregates.theme_days(uow, day_starts(now, context.detectors.demand_days)[0], now))


async def top_demand(uow: UnitOfWork, context: Context, windows: DemandWindows) -> None:
    settings = context.detectors
    views = await windows.current(uow, None, context.now())
    segments = {s for window, _ in views.values() for s in window.segments()}
    for segment in sorted({None, *segments}, key=lambda s: s or ""):
        ranked_themes = by_demand([w.demand(t, b, segment) for t, (w, b) in views.items()])[
            : settings.top_demand_size
        ]
        if not ranked_themes:
            continue
        label = segment or "all"
        situation = f"top_demand:{label}"
        current = await insights_store.open_for(uow, situation)
        order = [d.theme for d in ranked_themes]
        if current is not None and current.summary.startswith(_headline(order)):
            continue  # same ranking: nothing new to say
        lines = "; ".join(
            f"{n}. {d.theme}: {d.unique_accounts} accounts, {money(d.arr_by_currency)} ARR, {d.items} items"
            for n, d in enumerate(ranked_themes, 1)
        )
        draft = Draft(
            situation=situation,
            kind=InsightKind.top_demand,
            severity=Severity.info,
            dedup_key=situation,
            segment=segment,
            theme=ranked_themes[0].theme,
            title=f"Top demand ({label}, {settings.demand_days} days): {', '.join(order[:3])}"[:200],
            summary=f"{_headline(order)} Ranked by ARR of the accounts asking, then accounts: {lines}."[
                :5000
            ],
            metrics={f"rank_{n}_accounts": d.unique_accounts for n, d in enumerate(ranked_themes, 1)},
        )
        await raise_or_update(uow, draft, current, None, context.now())


def _headline(order: list[str]) -> str:
    return f"Most demanded themes: {', '.join(order)}."


async def buckets_touched(
    uow: UnitOfWork, context: Context
) -> tuple[dict[str, tuple[str, datetime, int]], datetime]:
    """Theme-day buckets written since the unowned-demand detector last ran, as {id: (theme, day, write
    count)}, and the time now. A bucket whose write count is what the detector read last time needs no new
    look.

    The look-back overlaps the previous run by the longest a consumer transaction can take: a batch that
    stamped its buckets before that run read them, but committed after, is seen by this one."""
    now = context.now()
    ran_at = await job_runs.ran_at(uow, UNOWNED_JOB)
    overlap = timedelta(seconds=context.settings.consumer.handler_timeout_seconds + OVERLAP_MARGIN_SECONDS)
    since = ran_at - overlap if ran_at else day_starts(now, context.detectors.demand_days)[0]
    return await aggregates.touched(uow, since), now


async def unowned_demand(
    uow: UnitOfWork, context: Context, windows: DemandWindows, themes: list[str]
) -> None:
    """Raise or update unowned demand for these themes: asked for by enough accounts (or ARR) over the demand
    window, and no committed, in-progress or recently shipped initiative covers them. Updated only when the
    numbers change materially (the accounts cross a step, the owner or severity changes)."""
    settings = context.detectors
    taxonomy = await taxonomy_store.latest(uow)
    now = context.now()
    active = await projections.covering_initiatives(uow, now - timedelta(days=settings.demand_days))
    found_areas = {theme: taxonomy.area_of(theme) for theme in themes} if taxonomy else {}
    areas = {theme: area for theme, area in found_areas.items() if area is not None}
    # A theme gone from the taxonomy is no longer demand to own; a covered one is someone's work already.
    themes = [t for t in themes if areas.get(t) and not any(detectors.covers(i, t, areas[t]) for i in active)]
    if not themes:
        return
    views = await windows.current(uow, themes, now)
    situations = Situations(uow, now)
    await situations.load([f"unowned:{theme}" for theme in themes])
    for theme in themes:
        window, buckets = views[theme]
        found = window.demand(theme, buckets)
        if not detectors.unowned_demand(found.unique_accounts, found.arr_minor, settings):
            continue
        current = await situations.current(f"unowned:{theme}")
        owner = await situations.owner_of(areas[theme])
        if not unowned_demand_moved(current, owner, found.unique_accounts):
            continue
        evidence = await items.still_in_theme(uow, found.evidence(MAX_EVIDENCE), theme)
        draft = unowned_demand_draft(theme, areas[theme], found, owner, evidence, settings.demand_days)
        await situations.raise_or_update(draft, None)


async def unowned_demand_ran(uow: UnitOfWork, ran_at: datetime, themes: int) -> None:
    await job_runs.ran(uow, UNOWNED_JOB, ran_at, themes=themes)


async def lacking_evidence(uow: UnitOfWork, context: Context) -> None:
    settings = context.detectors
    now = context.now()
    for initiative in await projections.active_initiatives(uow):
        since = initiative.get("active_since")
        if since is None or now - since < timedelta(days=settings.evidence_lacking_after_days):
            continue
        if await projections.links_since(uow, initiative["_id"], None):
            continue
        situation = f"evidence:{initiative['_id']}:lacking"
        if await insights_store.open_for(uow, situation) is not None:
            continue
        days = (now - since).days
        draft = Draft(
            situation=situation,
            kind=InsightKind.initiative_evidence,
            severity=Severity.warning,
            dedup_key=situation,
            initiative_id=initiative["_id"],
            product_area=initiative.get("product_area"),
            owning_team_id=initiative.get("owner_team_id"),
            title=f"'{initiative['title']}' has no customer evidence after {days} days"[:200],
            summary=(
                f"Initiative '{initiative['title']}' has been {initiative['status']} for {days} days and no "
                f"feedback is linked to it. Link the feedback that motivates it, or question it."
            ),
            metrics={"days_active": days, "links_total": 0},
        )
        await raise_or_update(uow, draft, None, None, now)


async def refresh_candidates(uow: UnitOfWork, context: Context) -> int:
    """Replace the open emerging-theme candidates with a fresh clustering of recent unassigned items."""
    now = context.now()
    since = now - timedelta(days=context.detectors.demand_days)
    recent = await items.unassigned_texts(uow, since, CLUSTER_SAMPLE)
    clusters = await asyncio.to_thread(cluster_texts, [doc["text"] for doc in recent])
    docs = [
        {
            "_id": f"cand-{uuid4().hex[:12]}",
            "status": "open",
            "label_terms": c.label_terms,
            "size": len(c.members),
            "cohesion": c.cohesion,
            "created_at": now,
            "feedback_ids": [recent[i]["_id"] for i in c.members][:200],
            "examples": [
                {"feedback_id": recent[i]["_id"], "text": recent[i]["text"][:500]} for i in c.examples
            ],
        }
        for c in clusters
    ]
    await candidates.replace_open(uow, docs)
    return len(docs)
