"""Insights raised, updated and resolved by the detectors and by people, and the projections of teams and
initiatives, on an in-memory unit of work."""

from datetime import timedelta

import pytest
from terrain_contracts.events.feedback import (
    FeedbackClassified,
)
from terrain_contracts.events.initiative import (
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
)
from terrain_contracts.events.insight import (
    InsightDetected,
    InsightKind,
    InsightResolved,
    InsightUpdated,
    Severity,
)
from terrain_contracts.events.team import ProductArea, TeamChangeData, TeamKind, TeamState, TeamUpdated
from terrain_insights.domain.insights import Draft
from terrain_insights.handlers import feedback, periodic, projections, raising
from terrain_insights.handlers.windows import DemandWindows
from terrain_kit.errors import Conflict, NotFound

from .conftest import briefing, ingested
from .memory import ANGRY, NOW, SSO, subjects

pytestmark = pytest.mark.unit


class TestInsightsFromDetectors:
    async def test_negative_feedback_from_a_big_account_raises_churn_risk_then_updates_it(self, uow, ctx):
        big = {"account_id": "bigco", "arr_minor": 50_000_000}
        await feedback.ingest(uow, [ingested(ANGRY, feedback_id="fb-1", occurred_at=NOW, **big)], ctx)
        await feedback.ingest(uow, [ingested(ANGRY, feedback_id="fb-2", occurred_at=NOW, **big)], ctx)

        insight = await uow["insights"].find_one({"dedup_key": "churn:bigco"})
        assert insight["version"] == 2 and insight["evidence_feedback_ids"] == ["fb-1", "fb-2"]
        assert [s for s in subjects(uow) if s != FeedbackClassified.subject] == [
            InsightDetected.subject,
            InsightUpdated.subject,
        ]

    async def test_a_burst_on_one_theme_is_a_spike_resolved_once_it_faded(self, uow, ctx, clock):
        burst = [ingested(SSO, feedback_id=f"fb-{n}", account_id=None, occurred_at=NOW) for n in range(6)]
        await feedback.ingest(uow, burst, ctx)
        spike = await uow["insights"].find_one({"kind": InsightKind.spike.value})
        assert spike["theme"] == "sso" and spike["status"] == "open"

        clock.at = NOW + timedelta(hours=5)
        await periodic.resolve_faded_spikes(uow, ctx)

        assert (await uow["insights"].find_one({"_id": spike["_id"]}))["status"] == "resolved"
        assert await uow["situations"].count_documents({}) == 0
        assert subjects(uow)[-1] == InsightResolved.subject

    async def test_old_feedback_imported_in_bulk_is_no_spike(self, uow, ctx):
        old = NOW - timedelta(days=3)
        await feedback.ingest(uow, [ingested(SSO, account_id=None, occurred_at=old) for _ in range(8)], ctx)
        assert await uow["insights"].count_documents({}) == 0


class TestInsightsDecidedByPeople:
    async def _churn(self, uow, ctx) -> str:
        event = ingested(ANGRY, feedback_id="fb-1", account_id="bigco", arr_minor=50_000_000, occurred_at=NOW)
        await feedback.ingest(uow, [event], ctx)
        return (await uow["insights"].find_one({"dedup_key": "churn:bigco"}))["_id"]

    async def test_an_insight_is_acknowledged_then_resolved_and_not_resolved_twice(self, uow, ctx):
        insight_id = await self._churn(uow, ctx)

        acknowledged = await raising.acknowledge(uow, ctx, insight_id)
        resolved = await raising.resolve_by(uow, ctx, insight_id, "called them", "pm:camille")
        with pytest.raises(Conflict):
            await raising.resolve_by(uow, ctx, insight_id, "again", "pm:camille")

        assert acknowledged.version == 2 and resolved.status.value == "resolved"
        assert subjects(uow)[-2:] == [InsightUpdated.subject, InsightResolved.subject]

    async def test_an_unknown_insight_is_not_found(self, uow, ctx):
        with pytest.raises(NotFound):
            await raising.acknowledge(uow, ctx, "ins-nope")


def committed(themes: list[str]) -> InitiativeStatusChanged:
    data = InitiativeStatusChangedData(
        initiative=briefing(InitiativeStatus.committed, themes, 2),
        from_status=InitiativeStatus.aligned,
        to_status=InitiativeStatus.committed,
        changed_by="director-1",
    )
    return InitiativeStatusChanged.create(data, source="initiatives")


def team(version: int, areas: list[str]) -> TeamUpdated:
    state = TeamState(
        team_id="team-identity",
        name="Identity",
        kind=TeamKind.squad,
        product_areas=[ProductArea(area=a, name=a.capitalize()) for a in areas],
        version=version,
    )
    return TeamUpdated.create(TeamChangeData(team=state, changed_by="ops"), source="initiatives")


class TestProjections:
    async def test_a_team_owns_its_areas_and_an_older_state_arriving_late_is_ignored(self, uow):
        await projections.apply_team(uow, team(2, ["identity"]))
        await projections.apply_team(uow, team(1, ["billing"]))

        stored = await uow["teams"].find_one({"_id": "team-identity"})
        assert (stored["version"], stored["areas"]) == (2, ["identity"])

    async def test_a_committed_initiative_covering_the_theme_resolves_its_unowned_demand(self, uow, ctx):
        draft = Draft(
            situation="unowned:sso",
            kind=InsightKind.unowned_demand,
            severity=Severity.critical,
            title="Demand for 'sso'",
            summary="3 accounts",
            dedup_key="unowned:sso",
            theme="sso",
            product_area="identity",
        )
        await raising.raise_or_update(uow, draft, None, None, NOW)
        event = committed(["sso"])

        await projections.apply_initiative(uow, event, ctx)
        await projections.apply_initiative(uow, event, ctx)  # redelivered: stale, nothing more

        assert (await uow["insights"].find_one({"dedup_key": "unowned:sso"}))["status"] == "resolved"
        assert subjects(uow) == [InsightDetected.subject, InsightResolved.subject]


class TestPeriodicDetectors:
    async def test_demand_from_three_accounts_that_no_team_owns_is_raised_as_critical_once(self, uow, ctx):
        asks = [ingested(SSO, account_id=f"corp-{n}", occurred_at=NOW - timedelta(days=2)) for n in range(3)]
        await feedback.ingest(uow, asks, ctx)
        windows = DemandWindows(ctx.detectors.demand_days)

        for _ in range(2):  # the second pass finds nothing new to say
            touched, _ = await periodic.buckets_touched(uow, ctx)
            await periodic.unowned_demand(uow, ctx, windows, windows.changed(touched) or ["sso"])

        insight = await uow["insights"].find_one({"dedup_key": "unowned:sso"})
        assert insight["severity"] == "critical" and insight["metrics"]["accounts"] == 3
        assert subjects(uow).count(InsightDetected.subject) == 1
        assert InsightUpdated.subject not in subjects(uow)
