"""Periodic detectors, run under a lease on one replica: top demand, lacking evidence, faded spikes,
and the emerging-theme candidates clustered from unassigned items."""

from datetime import timedelta
from uuid import uuid4

from terrain_contracts.events.insight import InsightKind, Severity

from terrain_kit.uow import UnitOfWork

from ..classify.cluster import MAX_ITEMS, cluster_texts
from ..domain import detectors
from ..domain.aggregates import Demand, bucket_start, demand
from ..domain.insights import Draft, money
from ..store import CANDIDATES, aggregates, items, projections
from ..store import insights as insights_store
from .context import Context, utcnow
from .detect import spike_verdict
from .raising import raise_or_update, resolve


async def resolve_faded_spikes(uow: UnitOfWork, ctx: Context) -> None:
    for marker in await insights_store.open_situations(uow, "spike:"):
        theme = marker["_id"].split(":", 1)[1]
        verdict, _ = await spike_verdict(uow, ctx, theme)
        if not verdict.is_spike:
            current = await insights_store.open_for(uow, marker["_id"])
            if current is not None:
                await resolve(uow, current, f"volume back to {verdict.count} items in "
                              f"{ctx.detectors.spike_window_hours}h ({verdict.expected:g} expected)")


async def ranking(uow: UnitOfWork, days: int, segment: str | None = None) -> list[Demand]:
    """Themes by demand over ``days``: ARR of the accounts asking, then unique accounts, then items."""
    now = utcnow()
    buckets = await aggregates.range_of(uow, "theme", "day", bucket_start(now, "day") - timedelta(days=days - 1),
                                        now)
    by_theme: dict[str, list[dict]] = {}
    for bucket in buckets:
        if bucket["key"] != "unassigned":
            by_theme.setdefault(bucket["key"], []).append(bucket)
    found = [demand(theme, docs, segment) for theme, docs in by_theme.items()]
    found = [d for d in found if d.items > 0]
    return sorted(found, key=lambda d: (-d.arr_minor, -d.unique_accounts, -d.items, d.theme))


async def top_demand(uow: UnitOfWork, ctx: Context) -> None:
    settings = ctx.detectors
    segments = {None, *await _segments(uow, settings.demand_days)}
    for segment in sorted(segments, key=lambda s: s or ""):
        ranked = (await ranking(uow, settings.demand_days, segment))[:settings.top_demand_size]
        if not ranked:
            continue
        label = segment or "all"
        situation = f"top_demand:{label}"
        current = await insights_store.open_for(uow, situation)
        order = [d.theme for d in ranked]
        if current is not None and current.summary.startswith(_headline(order)):
            continue  # same ranking: nothing new to say
        lines = "; ".join(f"{n}. {d.theme}: {d.unique_accounts} accounts, {money(d.arr_by_currency)} ARR, "
                          f"{d.items} items" for n, d in enumerate(ranked, 1))
        draft = Draft(
            situation=situation, kind=InsightKind.top_demand, severity=Severity.info, dedup_key=situation,
            segment=segment, theme=ranked[0].theme,
            title=f"Top demand ({label}, {settings.demand_days} days): {', '.join(order[:3])}"[:200],
            summary=f"{_headline(order)} Ranked by ARR of the accounts asking, then accounts: {lines}."[:5000],
            metrics={f"rank_{n}_accounts": d.unique_accounts for n, d in enumerate(ranked, 1)})
        await raise_or_update(uow, draft, current, None)


def _headline(order: list[str]) -> str:
    return f"Most demanded themes: {', '.join(order)}."


async def _segments(uow: UnitOfWork, days: int) -> set[str]:
    buckets = await aggregates.range_of(uow, "theme", "day", bucket_start(utcnow(), "day") - timedelta(days=days),
                                        utcnow())
    return {a["segment"] for b in buckets for a in (b.get("accounts") or {}).values()
            if a.get("segment") and a.get("n", 0) > 0}


async def lacking_evidence(uow: UnitOfWork, ctx: Context) -> None:
    settings = ctx.detectors
    now = utcnow()
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
            situation=situation, kind=InsightKind.initiative_evidence, severity=Severity.warning,
            dedup_key=situation, initiative_id=initiative["_id"], product_area=initiative.get("product_area"),
            owning_team_id=initiative.get("owner_team_id"),
            title=f"'{initiative['title']}' has no customer evidence after {days} days"[:200],
            summary=(f"Initiative '{initiative['title']}' has been {initiative['status']} for {days} days and no "
                     f"feedback is linked to it. Link the feedback that motivates it, or question it."),
            metrics={"days_active": days, "links_total": 0})
        await raise_or_update(uow, draft, None, None)


async def refresh_candidates(uow: UnitOfWork, ctx: Context) -> int:
    """Replace the open emerging-theme candidates with a fresh clustering of recent unassigned items."""
    recent = await items.unassigned_texts(uow, utcnow() - timedelta(days=ctx.detectors.demand_days), MAX_ITEMS)
    clusters = cluster_texts([doc["text"] for doc in recent])
    await uow[CANDIDATES].delete_many({"status": "open"}, session=uow.session)
    now = utcnow()
    docs = [{"_id": f"cand-{uuid4().hex[:12]}", "status": "open", "label_terms": c.label_terms,
             "size": len(c.members), "cohesion": c.cohesion, "created_at": now,
             "feedback_ids": [recent[i]["_id"] for i in c.members][:200],
             "examples": [{"feedback_id": recent[i]["_id"], "text": recent[i]["text"][:500]} for i in c.examples]}
            for c in clusters]
    if docs:
        await uow[CANDIDATES].insert_many(docs, session=uow.session)
    return len(docs)
