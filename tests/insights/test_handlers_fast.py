"""The insights handlers on an in-memory unit of work: no nats-server, no store, a clock the tests set.

Classification of ingested feedback, erasure, taxonomy changes, insights raised, updated and resolved by the
detectors and by people, projections of teams and initiatives, a replay step."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from terrain_contracts.events.feedback import (
    FeedbackClassified,
    FeedbackErased,
    FeedbackErasedData,
)
from terrain_contracts.events.initiative import (
    Briefing,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
    NeedSource,
    Size,
)
from terrain_contracts.events.insight import (
    InsightDetected,
    InsightKind,
    InsightResolved,
    InsightUpdated,
    Severity,
)
from terrain_contracts.events.team import ProductArea, TeamChangeData, TeamKind, TeamState, TeamUpdated
from terrain_contracts.registry import published_by
from terrain_dev.memory import memory_uow
from terrain_insights.domain.aggregates import bucket_id, bucket_start
from terrain_insights.domain.insights import Draft
from terrain_insights.domain.taxonomy import Theme, from_yaml
from terrain_insights.handlers import feedback, periodic, projections, raising, replay
from terrain_insights.handlers import taxonomy as taxonomy_handlers
from terrain_insights.handlers.context import Context
from terrain_insights.handlers.windows import DemandWindows
from terrain_insights.settings import InsightsSettings
from terrain_kit.errors import Conflict, NotFound
from terrain_kit.uow import UnitOfWork

from .conftest import TAXONOMY_YAML, ingested

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
TAXONOMY = from_yaml(TAXONOMY_YAML)
SSO = "The SAML login with Okta fails for all our users"
ANGRY = "Unacceptable, the app crashes all the time, we will cancel"


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(clock: Clock) -> Context:
    return Context(InsightsSettings(), clock=clock)


@pytest.fixture
async def uow(ctx: Context) -> UnitOfWork:
    unit = memory_uow(publishes=published_by("insights"))
    await taxonomy_handlers.new_version(unit, ctx, TAXONOMY, "test")
    return unit


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


async def day_bucket(uow: UnitOfWork, theme: str) -> dict | None:
    return await uow["aggregates"].find_one(
        {"_id": bucket_id("theme", theme, "day", bucket_start(NOW, "day"))}
    )


class TestClassifyingIngestedFeedback:
    async def test_ingested_feedback_is_classified_counted_and_announced(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)

        await feedback.ingest(uow, [event], ctx)

        item = await uow["items"].find_one({"_id": "fb-1"})
        assert [t["theme"] for t in item["classification"]["themes"]] == ["sso"]
        bucket = await day_bucket(uow, "sso")
        assert bucket["items"] == 1 and bucket["unique_accounts"] == 1
        assert subjects(uow) == [FeedbackClassified.subject]
        assert json.loads(uow.outbox[0]["body"])["data"]["themes"][0]["theme"] == "sso"

    async def test_a_redelivered_ingestion_is_a_no_op(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)
        await feedback.ingest(uow, [event], ctx)

        await feedback.ingest(uow, [event], ctx)

        assert (await day_bucket(uow, "sso"))["items"] == 1
        assert subjects(uow) == [FeedbackClassified.subject]

    async def test_an_edit_moves_the_item_and_a_late_older_revision_is_ignored(self, uow, ctx):
        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)
        export = "L'export CSV plante sur les gros projets"
        await feedback.ingest(uow, [ingested(export, feedback_id="fb-1", revision=2, occurred_at=NOW)], ctx)

        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)

        assert (await day_bucket(uow, "sso"))["items"] == 0
        assert (await day_bucket(uow, "data-export"))["items"] == 1
        assert len(uow.outbox) == 2

    async def test_erasure_takes_the_contribution_back_and_refuses_a_late_redelivery(self, uow, ctx):
        event = ingested(SSO, feedback_id="fb-1", occurred_at=NOW)
        await feedback.ingest(uow, [event], ctx)
        data = FeedbackErasedData(
            erasure_id="er-1",
            account_id="acme",
            feedback_ids=["fb-1"],
            part=1,
            parts=1,
            reason="GDPR request",
            requested_by="dpo",
        )
        erased = FeedbackErased.create(data, source="feedback")

        await feedback.erase(uow, erased, ctx)
        await feedback.ingest(uow, [event], ctx)

        assert await uow["items"].find_one({"_id": "fb-1"}) == {"_id": "fb-1", "erased": True}
        bucket = await day_bucket(uow, "sso")
        assert bucket["items"] == 0 and bucket["unique_accounts"] == 0
        assert subjects(uow) == [FeedbackClassified.subject]


class TestTaxonomyChanges:
    async def test_a_change_stores_a_new_version_and_unchanged_content_none(self, uow, ctx):
        theme = Theme(slug="dark-mode", name="Dark mode", examples=["Please add a dark mode"])

        changed = await taxonomy_handlers.put_theme(uow, ctx, "platform", theme, "ops")
        again = await taxonomy_handlers.put_theme(uow, ctx, "platform", theme, "ops")

        assert changed.version == again.version == 2
        stored = await uow["taxonomy_versions"].find_one({"_id": 2})
        assert stored["created_at"] == NOW and stored["note"] == "theme dark-mode set"

    async def test_removing_an_unknown_theme_is_refused(self, uow, ctx):
        with pytest.raises(NotFound):
            await taxonomy_handlers.delete_theme(uow, ctx, "no-such-theme", "ops")
        assert await uow["taxonomy_versions"].count_documents({}) == 1

    async def test_a_candidate_is_promoted_into_a_theme_once(self, uow, ctx):
        await uow["candidates"].insert_one(
            {
                "_id": "cand-1",
                "status": "open",
                "label_terms": ["dark", "mode"],
                "examples": [{"feedback_id": "fb-1", "text": "Please add a dark mode"}],
            }
        )

        stored, _ = await taxonomy_handlers.promote(
            uow, ctx, "cand-1", "dark-mode", "Dark", "platform", "", "ops"
        )
        with pytest.raises(Conflict):
            await taxonomy_handlers.promote(uow, ctx, "cand-1", "dark-mode", "Dark", "platform", "", "ops")

        assert stored.theme("dark-mode").keywords == ["dark", "mode"]
        candidate = await uow["candidates"].find_one({"_id": "cand-1"})
        assert candidate["status"] == "promoted" and candidate["taxonomy_version"] == stored.version


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
    briefing = Briefing(
        initiative_id="ini-sso",
        title="SAML SSO for enterprise",
        problem="Security reviews block deals.",
        source=NeedSource.customer_feedback,
        size=Size.m,
        intention="Ship SAML with Okta and Azure AD.",
        owner_team_id="team-identity",
        quarter="2026-Q4",
        status=InitiativeStatus.committed,
        product_area="identity",
        themes=themes,
        version=2,
    )
    data = InitiativeStatusChangedData(
        initiative=briefing,
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


class TestReplay:
    async def test_a_replay_step_reclassifies_items_and_counts_what_moved(self, uow, ctx):
        await feedback.ingest(uow, [ingested(SSO, feedback_id="fb-1", occurred_at=NOW)], ctx)
        changed = await taxonomy_handlers.delete_theme(uow, ctx, "sso", "ops")
        job = await replay.request(uow, ctx, changed.version, "ops")

        assert await replay.step(uow, ctx, job["_id"], ["fb-1"])
        await replay.finish(uow, ctx, job["_id"])

        done = await uow["replays"].find_one({"_id": job["_id"]})
        assert (done["status"], done["done"], done["moved"]) == ("done", 1, 1)
        assert done["before"] == {"sso": 1} and done["after"] == {"unassigned": 1}
        assert (await day_bucket(uow, "sso"))["items"] == 0

    async def test_a_replay_of_an_unknown_version_is_refused(self, uow, ctx):
        with pytest.raises(Conflict):
            await replay.request(uow, ctx, 99, "ops")


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
