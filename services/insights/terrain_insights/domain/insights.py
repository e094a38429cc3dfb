"""Insights as the detectors draft them: what a PM reads, with the numbers behind it."""

from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.events.insight import Insight, InsightKind, InsightStatus, Severity

from .aggregates import Demand
from .detectors import demand_step

MAX_EVIDENCE = 100


@dataclass
class Draft:
    """A situation a detector found. ``situation`` names it while it lasts (one open insight each)."""

    situation: str
    kind: InsightKind
    severity: Severity
    title: str
    summary: str
    dedup_key: str
    product_area: str | None = None
    theme: str | None = None
    owning_team_id: str | None = None
    initiative_id: str | None = None
    account_id: str | None = None
    segment: str | None = None
    evidence: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def new_insight(insight_id: str, draft: Draft, now: datetime) -> Insight:
    return Insight(
        insight_id=insight_id,
        kind=draft.kind,
        severity=draft.severity,
        title=draft.title[:200],
        summary=draft.summary[:5000],
        product_area=draft.product_area,
        theme=draft.theme,
        owning_team_id=draft.owning_team_id,
        initiative_id=draft.initiative_id,
        account_id=draft.account_id,
        segment=draft.segment,
        evidence_feedback_ids=draft.evidence[-MAX_EVIDENCE:],
        metrics={k: float(v) for k, v in draft.metrics.items()},
        dedup_key=draft.dedup_key,
        status=InsightStatus.open,
        version=1,
        detected_at=now,
        updated_at=now,
    )


def revised(current: Insight, draft: Draft, now: datetime) -> tuple[Insight, list[str]]:
    """The insight with the draft's new numbers, version + 1, and the names of the fields that changed."""
    evidence = list(dict.fromkeys([*current.evidence_feedback_ids, *draft.evidence]))[-MAX_EVIDENCE:]
    proposed = {
        "severity": draft.severity,
        "title": draft.title[:200],
        "summary": draft.summary[:5000],
        "owning_team_id": draft.owning_team_id,
        "evidence_feedback_ids": evidence,
        "metrics": {k: float(v) for k, v in draft.metrics.items()},
    }
    changed = [name for name, value in proposed.items() if getattr(current, name) != value]
    return current.model_copy(update={**proposed, "version": current.version + 1, "updated_at": now}), changed


def with_status(current: Insight, status: InsightStatus, now: datetime) -> Insight:
    return current.model_copy(update={"status": status, "version": current.version + 1, "updated_at": now})


def money(amounts: dict[str, int]) -> str:
    """ARR by currency for a summary: 'EUR 120,000 + USD 40,000' (minor units to whole units)."""
    if not amounts:
        return "no known ARR"
    return " + ".join(f"{currency} {amount // 100:,}" for currency, amount in sorted(amounts.items()))


def unowned_demand_draft(
    theme: str, area: str, found: Demand, owner: str | None, evidence: list[str], days: int
) -> Draft:
    """Demand for a theme that no committed initiative covers; critical when no team owns its area."""
    situation = f"unowned:{theme}"
    return Draft(
        situation=situation,
        kind=InsightKind.unowned_demand,
        severity=Severity.critical if owner is None else Severity.warning,
        dedup_key=situation,
        title=f"Demand for '{theme}' with no committed initiative: {found.unique_accounts} accounts",
        summary=(
            f"{found.unique_accounts} accounts ({money(found.arr_by_currency)} ARR) sent {found.items} "
            f"feedback items on theme '{theme}' ({area}) in the last {days} days, and "
            f"no committed or in-progress initiative covers it. "
            + ("No team owns this product area." if owner is None else f"Area owned by team {owner}.")
        ),
        product_area=area,
        theme=theme,
        owning_team_id=owner,
        evidence=evidence,
        metrics={
            "accounts": found.unique_accounts,
            "items": found.items,
            "arr_minor": found.arr_minor,
            **{f"arr_{c.lower()}_minor": a for c, a in found.arr_by_currency.items()},
        },
    )


def unowned_demand_moved(current: Insight | None, owner: str | None, accounts: int) -> bool:
    """Whether an unowned-demand insight has something new to say: the accounts asking crossed a step (up or
    down), or the owner, hence the severity, changed."""
    if current is None:
        return True
    severity = Severity.critical if owner is None else Severity.warning
    same_step = demand_step(int(current.metrics.get("accounts", 0))) == demand_step(accounts)
    return not (same_step and (current.severity, current.owning_team_id) == (severity, owner))
