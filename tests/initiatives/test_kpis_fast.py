"""Product Ops KPIs on the in-memory unit of work, each on a small hand-built history: triage, links,
loop closure, evidence, briefing adoption, dependency answer time, vote participation, and the gauges."""

from datetime import timedelta

import pytest
from terrain_contracts.events.dependency import DependencyAnswer
from terrain_contracts.events.feedback import (
    FeedbackCategory,
    FeedbackClassified,
    FeedbackClassifiedData,
    SentimentLabel,
    ThemeMatch,
)
from terrain_contracts.events.initiative import InitiativeStatus
from terrain_contracts.events.notification import Channel, LoopClosedData, NotificationLoopClosed
from terrain_contracts.events.team import Member, MemberRole, ProductArea
from terrain_initiatives import metrics
from terrain_initiatives.domain.lifecycle import Phase
from terrain_initiatives.handlers import (
    ballots,
    briefings,
    dependencies,
    evidence,
    kpis,
    planning,
    shipping,
    teams,
)
from terrain_initiatives.jobs.kpis import refresh
from terrain_initiatives.store import CLASSIFIED
from terrain_initiatives.store import evidence as evidence_store

from .conftest import QUARTER, T0
from .fast import OPS, OTHER_PM, PM, briefing, director, squad

pytestmark = pytest.mark.unit

FEEDBACK_QUARTER = "2026-Q4"  # T0's: feedback counts in the quarter it was classified
METRIC = {"kind": "kpi", "name": "Exports per day", "target": "1000"}


def classified(feedback_id: str, area: str, at=T0, revision: int = 1) -> FeedbackClassified:
    data = FeedbackClassifiedData(
        feedback_id=feedback_id,
        revision=revision,
        taxonomy_version=1,
        themes=[ThemeMatch(theme=f"{area}-theme", product_area=area, confidence=0.9)],
        category=FeedbackCategory.feature_request,
        sentiment=SentimentLabel.neutral,
        sentiment_score=0.0,
    )
    return FeedbackClassified.create(data, source="insights").model_copy(update={"occurred_at": at})


def loop_closed(initiative_id: str, feedback_id: str) -> NotificationLoopClosed:
    data = LoopClosedData(
        initiative_id=initiative_id,
        owner_team_id="squad-a",
        feedback_id=feedback_id,
        reporter_email="rep@example.com",
        channel=Channel.email,
        notified_at=T0,
    )
    return NotificationLoopClosed.create(data, source="notifier")


async def owning(uow, context, team_id: str, area: str, pm=None) -> None:
    await squad(uow, context, team_id, pm)
    await teams.assign_area(
        uow, OPS, context, team_id, None, ProductArea(area=area, name=area.title()), False
    )


async def delivered(uow, context, *team_ids: str) -> list[str]:
    """One initiative per team taken to in progress through the cycle (drafting to validation)."""
    await planning.open_cycle(uow, OPS, context, QUARTER)
    ids = [(await briefing(uow, context, team_id))["_id"] for team_id in team_ids]
    for initiative_id in ids:
        await briefings.move(uow, OPS, context, initiative_id, 1, InitiativeStatus.proposed)
    await planning.move_cycle(uow, OPS, context, QUARTER, Phase.alignment)
    for initiative_id in ids:
        await briefings.move(uow, OPS, context, initiative_id, 2, InitiativeStatus.aligned)
    await planning.move_cycle(uow, OPS, context, QUARTER, Phase.validation)
    for initiative_id in ids:
        await briefings.move(uow, OPS, context, initiative_id, 3, InitiativeStatus.committed)
    return ids


def team(found, team_id):
    return next(k for k in found.teams if k.team_id == team_id)


class TestFeedbackTriage:
    async def test_triaged_is_the_first_link_or_dismissal_measured_from_the_classification(
        self, uow, context, clock
    ):
        await owning(uow, context, "squad-a", "exports", PM)
        initiative = (await briefing(uow, context, "squad-a"))["_id"]
        events = [classified(f"fb-{n}", "exports") for n in range(1, 5)] + [classified("fb-5", "billing")]
        await kpis.apply_classified(uow, events)
        clock.now = T0 + timedelta(hours=2)
        await evidence.link(uow, PM, context, initiative, "fb-1")
        await evidence_store.dismiss(uow, initiative, "fb-2", "pm-a", T0 + timedelta(hours=4))
        await evidence_store.dismiss(uow, initiative, "fb-3", "pm-a", T0 + timedelta(hours=6))
        clock.now = T0 + timedelta(hours=10)
        await evidence.link(uow, PM, context, initiative, "fb-3")  # triaged at its dismissal, earlier

        found = await kpis.quarter_kpis(uow, FEEDBACK_QUARTER, clock.now)

        mine = team(found, "squad-a").feedback
        assert (mine.items, mine.triaged.count, mine.triaged.of, mine.median_triage_hours) == (4, 3, 4, 4.0)
        assert (mine.linked.count, mine.linked.share) == (2, 0.5)
        assert (found.total.feedback.items, found.total.feedback.triaged.share) == (5, 0.6)  # fb-5: no owner
        assert (await kpis.quarter_kpis(uow, "2027-Q1", clock.now)).total.feedback.items == 0

    async def test_unlinking_undoes_the_triage_and_erased_items_are_not_counted(self, uow, context, clock):
        await owning(uow, context, "squad-a", "exports", PM)
        initiative = (await briefing(uow, context, "squad-a"))["_id"]
        await kpis.apply_classified(uow, [classified("fb-1", "exports"), classified("fb-2", "exports")])
        await evidence.link(uow, PM, context, initiative, "fb-1")
        await evidence.unlink(uow, PM, context, initiative, "fb-1")
        await evidence_store.erase_feedback(uow, ["fb-2"], "era-1", clock.now)

        mine = team(await kpis.quarter_kpis(uow, FEEDBACK_QUARTER, clock.now), "squad-a").feedback
        assert (mine.items, mine.triaged.count, mine.median_triage_hours) == (1, 0, None)

    async def test_classifications_in_any_order_and_redelivered_give_the_same_documents(self, uow, context):
        await owning(uow, context, "squad-a", "exports", PM)
        await owning(uow, context, "squad-b", "billing", OTHER_PM)
        first, edit = (
            classified("fb-1", "exports", T0),
            classified("fb-1", "billing", T0 + timedelta(days=1), 2),
        )
        await kpis.apply_classified(uow, [edit, first])
        await kpis.apply_classified(uow, [first, edit])  # redelivered, other order
        stored = await uow[CLASSIFIED].find({}).to_list(None)
        assert [(d["team_id"], d["revision"], d["classified_at"], d["quarter"]) for d in stored] == [
            ("squad-b", 2, T0, FEEDBACK_QUARTER)  # the newest revision's team, the first classification
        ]


class TestInitiatives:
    async def test_loop_closure_counts_linked_items_of_shipped_initiatives_whose_reporter_was_told(
        self, uow, context
    ):
        await squad(uow, context, "squad-a", PM)
        initiative = (await delivered(uow, context, "squad-a"))[0]
        for fid in ("fb-1", "fb-2", "fb-3"):
            await evidence.link(uow, PM, context, initiative, fid)
        await briefings.move(uow, PM, context, initiative, 4, InitiativeStatus.in_progress)
        await shipping.ship(uow, PM, context, initiative, 5, "Exports are fast now.")
        told = [loop_closed(initiative, "fb-1"), loop_closed(initiative, "fb-2")]
        await kpis.apply_loops_closed(uow, told)
        await kpis.apply_loops_closed(uow, told[:1])  # redelivered

        found = await kpis.quarter_kpis(uow, QUARTER, context.now())
        assert (found.total.loop_closure.count, found.total.loop_closure.of) == (2, 3)
        assert team(found, "squad-a").loop_closure.share == 0.6667

    async def test_committed_initiatives_are_backed_by_evidence_when_feedback_is_linked(self, uow, context):
        await squad(uow, context, "squad-a", PM)
        draft = (await briefing(uow, context, "squad-a"))["_id"]
        backed, _ = await delivered(uow, context, "squad-a", "squad-a")
        await evidence.link(uow, PM, context, backed, "fb-1")
        await evidence.link(uow, PM, context, draft, "fb-2")  # not committed: not counted

        found = await kpis.quarter_kpis(uow, QUARTER, context.now())
        assert (team(found, "squad-a").evidence_backed.count, found.total.evidence_backed.of) == (1, 2)

    async def test_adoption_counts_squads_with_a_briefing_complete_when_the_quarter_entered_validation(
        self, uow, context, clock
    ):
        for team_id in ("squad-a", "squad-b", "squad-c"):
            await squad(uow, context, team_id)
        await planning.open_cycle(uow, OPS, context, QUARTER)
        await briefing(uow, context, "squad-a", success_metric=METRIC, product_area="exports")
        late = await briefing(uow, context, "squad-b", success_metric=METRIC)
        await briefing(uow, context, "squad-c", product_area="billing")
        await planning.move_cycle(uow, OPS, context, QUARTER, Phase.alignment)
        clock.advance(days=1)
        await planning.move_cycle(uow, OPS, context, QUARTER, Phase.validation)
        clock.advance(days=1)
        await briefings.edit(uow, OPS, context, late["_id"], 1, {"product_area": "sso"})  # after the deadline

        found = await kpis.quarter_kpis(uow, QUARTER, clock.now)
        assert found.deadline == clock.now - timedelta(days=1)
        assert (found.adoption.count, found.adoption.of) == (1, 3)
        adopted = [team(found, t).adopted for t in ("squad-a", "squad-b", "squad-c", "tribe-core")]
        assert adopted == [True, False, False, None]  # a tribe is not asked for briefings
        before = await kpis.quarter_kpis(uow, "2027-Q2", clock.now)  # no cycle: measured at now
        assert (before.deadline, before.adoption.count) == (None, 0)

    async def test_dependency_answer_time_is_the_median_per_team_asked(self, uow, context, clock):
        await squad(uow, context, "squad-a", PM)
        await squad(uow, context, "squad-b", OTHER_PM)
        answer_by = clock.now.date() + timedelta(days=5)
        asked = []
        for n in range(3):
            initiative = (await briefing(uow, context, "squad-a"))["_id"]
            asked.append(
                await dependencies.request(
                    uow, PM, context, initiative, "squad-b", None, f"API {n}", answer_by
                )
            )
        clock.advance(hours=5)
        await dependencies.answer(uow, OTHER_PM, context, asked[0]["_id"], DependencyAnswer.accepted, None)
        clock.advance(hours=6)
        await dependencies.answer(
            uow, OTHER_PM, context, asked[1]["_id"], DependencyAnswer.declined, "No time"
        )
        await dependencies.withdraw(uow, PM, context, asked[2]["_id"], "Replanned")

        found = await kpis.quarter_kpis(uow, QUARTER, clock.now)
        asked_team = team(found, "squad-b")
        assert (asked_team.dependency_answers.count, asked_team.dependency_answers.of) == (2, 2)
        assert asked_team.median_answer_hours == 8.0
        assert team(found, "squad-a").median_answer_hours is None

    async def test_vote_participation_is_the_directors_who_voted_in_a_ballot_of_the_quarter(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        for n in (1, 2, 3):
            member = Member(
                member_id=f"dir-{n}", name=f"Dir {n}", email=f"d{n}@example.com", role=MemberRole.director
            )
            await teams.add_member(uow, OPS, context, "tribe-core", None, member)
        await planning.open_cycle(uow, OPS, context, QUARTER)
        candidate = (await briefing(uow, context, "squad-a"))["_id"]
        await briefings.move(uow, OPS, context, candidate, 1, InitiativeStatus.proposed)
        ballot = await ballots.open_ballot(
            uow, OPS, context, QUARTER, [candidate], None, clock.now + timedelta(days=2), 2
        )
        await ballots.cast(uow, director(1), context, ballot["_id"], candidate, 3)
        await ballots.cast(uow, director(2), context, ballot["_id"], candidate, 2)
        await ballots.cast(uow, director(2), context, ballot["_id"], candidate, 1)  # changed: one voter still

        found = await kpis.quarter_kpis(uow, QUARTER, clock.now)
        assert (found.total.vote_participation.count, found.total.vote_participation.of) == (2, 3)
        assert team(found, "tribe-core").vote_participation.share == 0.6667
        assert team(found, "squad-a").vote_participation.share is None  # no directors in the squad


async def test_the_gauges_hold_each_kpi_per_team_for_the_quarters_around_now_only(uow, context, clock):
    await owning(uow, context, "squad-a", "exports", PM)
    await kpis.apply_classified(uow, [classified("fb-1", "exports"), classified("fb-2", "exports")])
    await evidence_store.dismiss(uow, "ini-x", "fb-1", "pm-a", T0 + timedelta(hours=3))
    metrics.KPI.labels("triaged_share", "squad-a", "1999-Q1").set(1.0)  # a quarter long gone

    assert await refresh(uow, context) > 0

    samples = {
        (s.labels["kpi"], s.labels["team"], s.labels["quarter"]): s.value
        for family in metrics.KPI.collect()
        for s in family.samples
    }
    assert samples[("triaged_share", "squad-a", FEEDBACK_QUARTER)] == 0.5
    assert samples[("triage_median_hours", "all", FEEDBACK_QUARTER)] == 3.0
    assert samples[("feedback_items", "squad-a", FEEDBACK_QUARTER)] == 2.0
    assert {q for _, _, q in samples} == {"2026-Q3", "2026-Q4", "2027-Q1"}
    assert ("loop_closure_rate", "squad-a", FEEDBACK_QUARTER) not in samples  # nothing shipped: no value
