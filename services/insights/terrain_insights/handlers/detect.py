"""Event-driven detectors (spike, churn risk), run in the consumer's transaction: the insight commits with
the feedback that tipped it, so it reaches the notifier as soon as the relay publishes the commit.

Per batch they cost one read of the live themes' window buckets (their baselines are cached) and one read
of the open insights of the situations the batch touches, whatever the history. Unowned demand, a 30-day
question, is answered by the periodic job (``periodic.unowned_demand``).
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from terrain_contracts.events.feedback import FeedbackCategory, FeedbackIngested, SentimentLabel
from terrain_contracts.events.insight import InsightKind, Severity
from terrain_kit.uow import UnitOfWork

from ..domain import detectors
from ..domain.aggregates import bucket_id, bucket_start
from ..domain.classify import Classification
from ..domain.insights import Draft, money
from ..store import aggregates
from .context import Context
from .situations import Situations


@dataclass
class LiveTheme:
    area: str
    evidence: list[str]
    cause: FeedbackIngested


@dataclass
class AtRisk:
    event: FeedbackIngested
    result: Classification
    high_arr: bool
    renewing: bool


async def after_ingest(
    uow: UnitOfWork,
    context: Context,
    classified: list[tuple[FeedbackIngested, Classification]],
    now: datetime,
) -> None:
    live, at_risk = _what_the_batch_touches(context, classified, now)
    verdicts = await spike_verdicts(uow, context, list(live), now)
    spiking = {theme: verdict for theme, verdict in verdicts.items() if verdict.is_spike}
    if not spiking and not at_risk:
        return  # a spike that faded is resolved by the periodic sweep
    situations = Situations(uow, now)
    await situations.load([f"spike:{t}" for t in spiking] + [f"churn:{a}" for a in at_risk])
    for slug, verdict in spiking.items():
        await spike(situations, context, slug, live[slug], verdict, now)
    for hits in at_risk.values():
        await churn(situations, context, hits)


def _what_the_batch_touches(
    context: Context, classified: list[tuple[FeedbackIngested, Classification]], now: datetime
) -> tuple[dict[str, LiveTheme], dict[str, list[AtRisk]]]:
    """The themes of the batch's live items (with their evidence), and the accounts at risk."""
    window = timedelta(hours=context.detectors.spike_window_hours)
    live: dict[str, LiveTheme] = {}
    at_risk: dict[str, list[AtRisk]] = {}
    for event, result in classified:
        if (
            now - event.data.occurred_at <= window
        ):  # old feedback imported in bulk is history, not a spike now
            for match in result.themes:
                theme = live.setdefault(match.theme, LiveTheme(match.product_area, [], event))
                theme.evidence.append(event.data.feedback_id)
                theme.cause = event
        risk = churn_risk(context, event, result, now)
        if risk is not None and event.data.account is not None:
            at_risk.setdefault(event.data.account.account_id, []).append(risk)
    return live, at_risk


async def spike_verdicts(
    uow: UnitOfWork, context: Context, themes: list[str], now: datetime
) -> dict[str, detectors.SpikeVerdict]:
    """Each theme's count over the window (hour buckets) against its baseline (day buckets before today)."""
    if not themes:
        return {}
    settings = context.detectors
    hour, today = bucket_start(now, "hour"), bucket_start(now, "day")
    window = {
        t: [
            bucket_id("theme", t, "hour", hour - timedelta(hours=h))
            for h in range(settings.spike_window_hours)
        ]
        for t in themes
    }
    fresh_after = time.monotonic() - settings.spike_baseline_refresh_seconds
    stale = [t for t in themes if context.baselines.get((t, today), (0, -1.0))[1] < fresh_after]
    baseline = {
        t: [
            bucket_id("theme", t, "day", today - timedelta(days=d))
            for d in range(1, settings.spike_baseline_days + 1)
        ]
        for t in stale
    }
    counts = await aggregates.items_by_id(
        uow, [i for ids in (*window.values(), *baseline.values()) for i in ids]
    )
    for theme, ids in baseline.items():
        context.baselines[(theme, today)] = (sum(counts.get(i, 0) for i in ids), time.monotonic())
    for key in [k for k in context.baselines if k[1] != today]:
        del context.baselines[key]  # yesterday's baselines are never read again
    return {
        t: detectors.spike(
            sum(counts.get(i, 0) for i in window[t]), context.baselines[(t, today)][0], settings
        )
        for t in themes
    }


async def spike(
    situations: Situations,
    context: Context,
    theme: str,
    live: LiveTheme,
    verdict: detectors.SpikeVerdict,
    now: datetime,
) -> None:
    settings = context.detectors
    situation = f"spike:{theme}"
    current = await situations.current(situation)
    if current is not None and not detectors.spike_grew(
        int(current.metrics.get("items", 0)), verdict.count, settings
    ):
        return
    start = (
        current.dedup_key.rsplit(":", 1)[1] if current else bucket_start(now, "hour").strftime("%Y%m%dT%H")
    )
    severity = (
        Severity.critical
        if verdict.ratio >= 10 and verdict.count >= 2 * settings.spike_min_count
        else Severity.warning
    )
    draft = Draft(
        situation=situation,
        kind=InsightKind.spike,
        severity=severity,
        dedup_key=f"spike:{theme}:{start}",
        title=f"Spike in '{theme}' feedback: {verdict.count} items in {settings.spike_window_hours}h",
        summary=(
            f"{verdict.count} feedback items on theme '{theme}' ({live.area}) arrived in the last "
            f"{settings.spike_window_hours} hours, against {verdict.expected:g} expected from its own "
            f"baseline over the previous {settings.spike_baseline_days} days ({verdict.ratio:g}x; Poisson "
            f"tail probability {verdict.p_value:.2g})."
        ),
        product_area=live.area,
        theme=theme,
        owning_team_id=await situations.owner_of(live.area),
        evidence=live.evidence,
        metrics={
            "items": verdict.count,
            "expected": verdict.expected,
            "ratio": verdict.ratio,
            "p_value": verdict.p_value,
        },
    )
    await situations.raise_or_update(draft, live.cause)


def churn_risk(
    context: Context, event: FeedbackIngested, result: Classification, now: datetime
) -> AtRisk | None:
    account = event.data.account
    if account is None:
        return None
    negative = result.sentiment is SentimentLabel.negative or result.category is FeedbackCategory.complaint
    arr = account.arr.amount_minor if account.arr else None
    high_arr, renewing = detectors.churn_risk(
        negative, arr, account.renewal_date, now.date(), context.detectors
    )
    return AtRisk(event, result, high_arr, renewing) if high_arr or renewing else None


async def churn(situations: Situations, context: Context, hits: list[AtRisk]) -> None:
    """One account's negative items of the batch: one insight raised or updated once, with all of them."""
    last = hits[-1]
    account, result = last.event.data.account, last.result
    assert account is not None, "churn_risk keeps items of known accounts only"
    arr = account.arr.amount_minor if account.arr else None
    situation = f"churn:{account.account_id}"
    current = await situations.current(situation)
    evidence = [
        *(current.evidence_feedback_ids if current else []),
        *(h.event.data.feedback_id for h in hits),
    ]
    reasons = []
    if last.high_arr and account.arr is not None:
        reasons.append(f"ARR {money({account.arr.currency: account.arr.amount_minor})}")
    if last.renewing and account.renewal_date is not None:
        reasons.append(f"renewal on {account.renewal_date.isoformat()}")
    theme = result.theme
    area = theme.product_area if theme else None
    draft = Draft(
        situation=situation,
        kind=InsightKind.churn_risk,
        severity=Severity.critical if last.high_arr and last.renewing else Severity.warning,
        dedup_key=f"churn:{account.account_id}",
        account_id=account.account_id,
        segment=account.segment,
        title=f"Churn risk: {account.name} ({', '.join(reasons)})"[:200],
        summary=(
            f"{account.name} sent {len(set(evidence))} negative feedback item(s) while at risk: "
            f"{' and '.join(reasons)}. Latest: {result.category.value}, sentiment "
            f"{result.sentiment_score:+.2f}" + (f", theme '{theme.theme}'." if theme else ".")
        ),
        product_area=area,
        theme=theme.theme if theme else None,
        owning_team_id=await situations.owner_of(area),
        evidence=evidence,
        metrics={"negative_items": len(set(evidence)), **({"arr_minor": arr} if arr is not None else {})},
    )
    await situations.raise_or_update(draft, last.event)
