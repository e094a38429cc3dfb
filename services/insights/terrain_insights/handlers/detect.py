"""Event-driven detectors, run in the consumer's transaction: the insight commits with the feedback
that tipped it, so a spike reaches the notifier as soon as the relay publishes the commit."""

from datetime import timedelta

from terrain_contracts.events.feedback import FeedbackCategory, FeedbackIngested, SentimentLabel
from terrain_contracts.events.insight import InsightKind, Severity

from terrain_kit.uow import UnitOfWork

from ..classify import Classification
from ..domain import detectors
from ..domain.aggregates import bucket_start, day_starts, demand
from ..domain.insights import Draft, money
from ..store import aggregates, projections
from ..store import insights as insights_store
from .context import Context, utcnow
from .raising import raise_or_update


async def after_ingest(uow: UnitOfWork, ctx: Context, classified: list[tuple[FeedbackIngested, Classification]]) -> None:
    now = utcnow()
    window = timedelta(hours=ctx.detectors.spike_window_hours)
    touched: dict[str, tuple[str, list[str], FeedbackIngested, bool]] = {}
    for event, result in classified:
        recent = now - event.data.occurred_at <= window
        for match in result.themes:
            area, evidence, _, was_recent = touched.get(match.theme, (match.product_area, [], event, False))
            touched[match.theme] = (area, [*evidence, event.data.feedback_id], event, was_recent or recent)
        await churn(uow, ctx, event, result)
    active = await projections.active_initiatives(uow) if touched else []
    for theme, (area, evidence, cause, recent) in touched.items():
        if recent:  # old feedback imported in bulk is history, not a spike happening now
            await spike(uow, ctx, theme, area, evidence, cause)
        if not any(detectors.covers(i, theme, area) for i in active):
            await unowned(uow, ctx, theme, area, evidence, cause)


async def spike(uow: UnitOfWork, ctx: Context, theme: str, area: str, evidence: list[str],
                cause: FeedbackIngested | None) -> None:
    settings = ctx.detectors
    verdict, situation = await spike_verdict(uow, ctx, theme)
    if not verdict.is_spike:
        return  # a spike that faded is resolved by the periodic sweep
    current = await insights_store.open_for(uow, situation)
    if current is not None and not detectors.spike_grew(int(current.metrics.get("items", 0)), verdict.count, settings):
        return
    now = utcnow()
    start = current.dedup_key.rsplit(":", 1)[1] if current else bucket_start(now, "hour").strftime("%Y%m%dT%H")
    severity = Severity.critical if verdict.ratio >= 10 and verdict.count >= 2 * settings.spike_min_count \
        else Severity.warning
    draft = Draft(
        situation=situation, kind=InsightKind.spike, severity=severity, dedup_key=f"spike:{theme}:{start}",
        title=f"Spike in '{theme}' feedback: {verdict.count} items in {settings.spike_window_hours}h",
        summary=(f"{verdict.count} feedback items on theme '{theme}' ({area}) arrived in the last "
                 f"{settings.spike_window_hours} hours, against {verdict.expected:g} expected from its own "
                 f"baseline over the previous {settings.spike_baseline_days} days ({verdict.ratio:g}x; Poisson "
                 f"tail probability {verdict.p_value:.2g})."),
        product_area=area, theme=theme, owning_team_id=await projections.owner_of(uow, area), evidence=evidence,
        metrics={"items": verdict.count, "expected": verdict.expected, "ratio": verdict.ratio,
                 "p_value": verdict.p_value})
    await raise_or_update(uow, draft, current, cause)


async def spike_verdict(uow: UnitOfWork, ctx: Context, theme: str) -> tuple[detectors.SpikeVerdict, str]:
    settings = ctx.detectors
    now = utcnow()
    hour = bucket_start(now, "hour")
    window = await aggregates.buckets(uow, "theme", theme, "hour",
                                      [hour - timedelta(hours=h) for h in range(settings.spike_window_hours)],
                                      with_accounts=False)
    today = bucket_start(now, "day")
    baseline = await aggregates.buckets(uow, "theme", theme, "day",
                                        [today - timedelta(days=d) for d in range(1, settings.spike_baseline_days + 1)],
                                        with_accounts=False)
    verdict = detectors.spike(sum(int(b.get("items", 0)) for b in window),
                              sum(int(b.get("items", 0)) for b in baseline), settings)
    return verdict, f"spike:{theme}"


async def unowned(uow: UnitOfWork, ctx: Context, theme: str, area: str, evidence: list[str],
                  cause: FeedbackIngested | None) -> None:
    settings = ctx.detectors
    buckets = await aggregates.buckets(uow, "theme", theme, "day", day_starts(utcnow(), settings.demand_days))
    found = demand(theme, buckets)
    if not detectors.unowned_demand(found.unique_accounts, found.arr_minor, settings):
        return
    situation = f"unowned:{theme}"
    current = await insights_store.open_for(uow, situation)
    if current is not None and int(current.metrics.get("accounts", 0)) >= found.unique_accounts:
        return  # update only when more customers ask
    owner = await projections.owner_of(uow, area)
    severity = Severity.critical if owner is None else Severity.warning
    draft = Draft(
        situation=situation, kind=InsightKind.unowned_demand, severity=severity, dedup_key=situation,
        title=f"Demand for '{theme}' with no committed initiative: {found.unique_accounts} accounts",
        summary=(f"{found.unique_accounts} accounts ({money(found.arr_by_currency)} ARR) sent {found.items} "
                 f"feedback items on theme '{theme}' ({area}) in the last {settings.demand_days} days, and no "
                 f"committed or in-progress initiative covers it. "
                 + ("No team owns this product area." if owner is None else f"Area owned by team {owner}.")),
        product_area=area, theme=theme, owning_team_id=owner, evidence=evidence,
        metrics={"accounts": found.unique_accounts, "items": found.items, "arr_minor": found.arr_minor,
                 **{f"arr_{c.lower()}_minor": a for c, a in found.arr_by_currency.items()}})
    await raise_or_update(uow, draft, current, cause)


async def churn(uow: UnitOfWork, ctx: Context, event: FeedbackIngested, result: Classification) -> None:
    account = event.data.account
    if account is None:
        return
    negative = result.sentiment is SentimentLabel.negative or result.category is FeedbackCategory.complaint
    arr = account.arr.amount_minor if account.arr else None
    high_arr, renewing = detectors.churn_risk(negative, arr, account.renewal_date, utcnow().date(), ctx.detectors)
    if not (high_arr or renewing):
        return
    situation = f"churn:{account.account_id}"
    current = await insights_store.open_for(uow, situation)
    evidence = [*(current.evidence_feedback_ids if current else []), event.data.feedback_id]
    reasons = []
    if high_arr:
        reasons.append(f"ARR {money({account.arr.currency: arr})}")
    if renewing:
        reasons.append(f"renewal on {account.renewal_date.isoformat()}")
    theme = result.theme
    area = theme.product_area if theme else None
    draft = Draft(
        situation=situation, kind=InsightKind.churn_risk,
        severity=Severity.critical if high_arr and renewing else Severity.warning,
        dedup_key=f"churn:{account.account_id}", account_id=account.account_id, segment=account.segment,
        title=f"Churn risk: {account.name} ({', '.join(reasons)})"[:200],
        summary=(f"{account.name} sent {len(set(evidence))} negative feedback item(s) while at risk: "
                 f"{' and '.join(reasons)}. Latest: {result.category.value}, sentiment "
                 f"{result.sentiment_score:+.2f}" + (f", theme '{theme.theme}'." if theme else ".")),
        product_area=area, theme=theme.theme if theme else None,
        owning_team_id=await projections.owner_of(uow, area), evidence=evidence,
        metrics={"negative_items": len(set(evidence)), **({"arr_minor": arr} if arr is not None else {})})
    await raise_or_update(uow, draft, current, event)
