"""Planning notifications on an in-memory unit of work: who hears of each ritual and why, and a
redelivered event notifying nobody twice."""

from datetime import UTC, date, datetime, timedelta

import pytest
from terrain_contracts.events.ballot import (
    BallotCandidate,
    BallotCandidateAssigned,
    BallotCandidateAssignedData,
    BallotClosed,
    BallotClosedData,
    BallotClosingSoon,
    BallotClosingSoonData,
    BallotOpened,
    BallotOpenedData,
    CandidateKind,
    CastVote,
    RankedCandidate,
)
from terrain_contracts.events.dependency import (
    DependencyAnswer,
    DependencyAnsweredData,
    DependencyOverdueData,
    InitiativeDependencyAnswered,
    InitiativeDependencyOverdue,
)
from terrain_contracts.events.initiative import CyclePhase, CyclePhaseChangedData, InitiativeCyclePhaseChanged
from terrain_contracts.events.notification import NotificationDelivered
from terrain_contracts.events.team import TeamKind
from terrain_notifier.domain.members import DigestMode, Preferences
from terrain_notifier.domain.messages import digest_message
from terrain_notifier.handlers import projections, rituals
from terrain_notifier.store import directory as directory_store

from .factories import NOW, member, org_teams, requested, state, team_created
from .memory import docs

pytestmark = pytest.mark.unit


@pytest.fixture
async def org(uow) -> None:
    await projections.apply_teams(uow, org_teams())


async def told(uow) -> dict[str, list[str]]:
    """Who was told (their inbox), with their reasons."""
    return {item["member_id"]: item["reasons"] for item in await docs(uow, "inbox")}


def overdue(escalated: bool) -> InitiativeDependencyOverdue:
    data = DependencyOverdueData(
        dependency_id="dep-1",
        initiative_id="ini-a",
        requesting_team_id="squad-a",
        on_team_id="squad-b",
        answer_by=date(2026, 11, 27),
        requested_by="pm-ann",
        days_overdue=3 if escalated else 1,
        escalated=escalated,
    )
    return InitiativeDependencyOverdue.create(data, source="initiatives")


class TestDependencies:
    async def test_a_request_reaches_the_asked_teams_pm_and_lead_with_the_answer_by_day(
        self, uow, context, org
    ):
        await rituals.on_ritual(uow, context, requested())

        reached = await told(uow)
        assert set(reached) == {"pm-bob", "dir-pia"}  # the tribe's product director leads the squad
        assert reached["pm-bob"] == [
            "PM of Squad-B (squad-b): your team is asked for a dependency, answer by 2026-11-27"
        ]
        assert reached["dir-pia"][0].startswith("lead of Tribe (tribe), tribe of Squad-B (squad-b)")
        [email] = [
            d
            for d in await docs(uow, "deliveries")
            if d["recipient_id"] == "pm-bob" and d["channel"] == "email"
        ]
        assert "Answer by 2026-11-27" in email["body"]["text"] and "Exports" in email["body"]["text"]
        assert (email["ritual"], email["initiative_id"]) == ("dependency_requested", "ini-a")

    async def test_a_redelivered_request_notifies_nobody_twice(self, uow, context, org):
        event = requested()
        await rituals.on_ritual(uow, context, event)
        before = len(await docs(uow, "deliveries"))

        await rituals.on_ritual(uow, context, event)

        assert len(await docs(uow, "deliveries")) == before == 4  # 2 people x (inbox, email)
        delivered = [e for e in uow.outbox if e["subject"] == NotificationDelivered.subject]
        assert len(delivered) == 2

    async def test_an_answer_reaches_the_requester_only(self, uow, context, org):
        data = DependencyAnsweredData(
            dependency_id="dep-1",
            initiative_id="ini-a",
            on_team_id="squad-b",
            answer=DependencyAnswer.accepted,
            note="Next sprint",
            answered_by="pm-bob",
            requesting_team_id="squad-a",
            requested_by="pm-ann",
        )
        await rituals.on_ritual(uow, context, InitiativeDependencyAnswered.create(data, source="initiatives"))

        assert await told(uow) == {
            "pm-ann": ["you asked: team squad-b accepted your dependency request dep-1"]
        }

    async def test_an_answer_to_a_key_without_member_reaches_the_requesting_teams_pm(self, uow, context, org):
        data = DependencyAnsweredData(
            dependency_id="dep-1",
            initiative_id="ini-a",
            on_team_id="squad-b",
            answer=DependencyAnswer.declined,
            answered_by="pm-bob",
            requesting_team_id="squad-a",
            requested_by="key:abc",
        )
        await rituals.on_ritual(uow, context, InitiativeDependencyAnswered.create(data, source="initiatives"))

        assert list(await told(uow)) == ["pm-ann"]

    async def test_overdue_reaches_both_sides_then_the_escalation_reaches_product_ops(
        self, uow, context, org
    ):
        await rituals.on_ritual(uow, context, overdue(escalated=False))
        assert set(await told(uow)) == {"pm-bob", "dir-pia", "pm-ann"}

        await rituals.on_ritual(uow, context, overdue(escalated=True))

        escalated = [i for i in await docs(uow, "inbox") if i["ritual"] == "dependency_escalated"]
        assert [(i["member_id"], i["reasons"]) for i in escalated] == [
            (
                "ops-olga",
                [
                    "Product Ops: escalation: dependency dep-1 still unanswered, "
                    "3 day(s) past its answer-by day 2026-11-27"
                ],
            )
        ]

    async def test_a_pm_away_hands_the_request_to_their_backup(self, uow, context, org):
        away = member("pm-bob", away_days=3, backup="pm-ann")
        await projections.apply_teams(
            uow,
            [
                team_created(
                    state("squad-b", TeamKind.squad, [away], "tribe").model_copy(update={"version": 2})
                )
            ],
        )

        await rituals.on_ritual(uow, context, requested())

        reached = await told(uow)
        assert "pm-bob" not in reached
        assert reached["pm-ann"][0].startswith("backup for pm-bob, away until")


class TestCycleAndBallots:
    async def test_a_phase_change_reaches_every_teams_pms_and_directors_with_what_is_due(
        self, uow, context, org
    ):
        data = CyclePhaseChangedData(
            quarter="2027-Q1",
            from_phase=CyclePhase.drafting,
            to_phase=CyclePhase.alignment,
            changed_by="ops-olga",
            due="Answer the dependency requests made to your team.",
            open_requests_by_team={"squad-b": 1},
        )
        await rituals.on_ritual(uow, context, InitiativeCyclePhaseChanged.create(data, source="initiatives"))

        reached = await told(uow)
        assert set(reached) == {"pm-ann", "pm-bob", "dir-pia", "dir-dan", "dir-eve"}  # not engineers, not ops
        assert reached["pm-bob"] == [
            "PM of Squad-B (squad-b): quarter 2027-Q1 moved to alignment; "
            "1 request(s) to your team await an answer"
        ]
        assert reached["dir-eve"] == [
            "director (engineering) in Tribe (tribe): quarter 2027-Q1 moved to alignment"
        ]
        [item] = [i for i in await docs(uow, "inbox") if i["member_id"] == "pm-ann"]
        assert "What is due: Answer the dependency requests" in item["text"]

    async def test_an_opened_ballot_reaches_every_director_by_discipline(self, uow, context, org):
        data = BallotOpenedData(
            ballot_id="bal-1",
            quarter="2027-Q1",
            opens_at=NOW,
            closes_at=NOW + timedelta(days=2),
            quorum=2,
            candidates=[BallotCandidate(initiative_id="ini-a", title="Exports", owner_team_id="squad-a")],
            opened_by="ops-olga",
        )
        await rituals.on_ritual(uow, context, BallotOpened.create(data, source="initiatives"))

        reached = await told(uow)
        assert sorted(reached) == ["dir-dan", "dir-eve", "dir-pia"]
        assert reached["dir-dan"][0].startswith("director (design) in Tribe (tribe): directors vote 1-3")

    async def test_the_reminder_reaches_only_the_directors_who_have_not_voted(self, uow, context, org):
        data = BallotClosingSoonData(
            ballot_id="bal-1",
            quarter="2027-Q1",
            closes_at=NOW + timedelta(hours=20),
            voters=1,
            quorum=2,
            pending_director_ids=["dir-dan", "dir-eve"],
        )
        await rituals.on_ritual(uow, context, BallotClosingSoon.create(data, source="initiatives"))

        assert sorted(await told(uow)) == ["dir-dan", "dir-eve"]

    async def test_the_results_reach_the_voters_and_the_owners_of_the_ranked_candidates(
        self, uow, context, org
    ):
        data = BallotClosedData(
            ballot_id="bal-1",
            quarter="2027-Q1",
            closed_at=NOW,
            closed_by="ops-olga",
            quorum=2,
            voters=2,
            quorum_met=True,
            ranking=[
                RankedCandidate(
                    initiative_id="ini-a",
                    rank=1,
                    total=6,
                    votes=2,
                    average=3.0,
                    title="Exports",
                    owner_team_id="squad-a",
                )
            ],
            tie_break="Candidates are ranked by total score.",
            audit=[
                CastVote(director_id=d, initiative_id="ini-a", score=3, cast_at=NOW)
                for d in ("dir-pia", "dir-eve")
            ],
        )
        await rituals.on_ritual(uow, context, BallotClosed.create(data, source="initiatives"))

        reached = await told(uow)
        assert sorted(reached) == ["dir-eve", "dir-pia", "pm-ann"]
        assert reached["pm-ann"] == ["PM of Squad-A (squad-a): 'Exports' ranked #1, your team's to take on"]

    async def test_a_member_on_a_daily_digest_gets_the_ritual_in_the_digest(self, uow, context, org):
        prefs = Preferences(channels=["email"], digest=DigestMode.daily)
        await directory_store.save_preferences(uow, "pm-bob", prefs, datetime.now(UTC), expected=0)

        await rituals.on_ritual(uow, context, requested())

        [item] = await docs(uow, "digest_items", member_id="pm-bob")
        assert item["summary"]["kind"] == "dependency_requested"
        assert not [d for d in await docs(uow, "deliveries") if d["recipient_id"] == "pm-bob"]
        assert digest_message([item["summary"]]).subject == "Terrain digest: 1 notification"

    async def test_an_assigned_candidate_reaches_its_owner_and_the_owning_teams_pms(self, uow, context, org):
        data = BallotCandidateAssignedData(
            ballot_id="bal-1",
            quarter="2027-Q1",
            candidate_id="prj-1",
            kind=CandidateKind.project,
            title="Briefing template v2",
            rank=1,
            owner_member_id="ops-olga",
            owner_team_id="squad-b",
            assigned_by="ops-olga",
        )
        await rituals.on_ritual(uow, context, BallotCandidateAssigned.create(data, source="initiatives"))

        assert await told(uow) == {
            "ops-olga": ["you own 'Briefing template v2' (ranked #1) after the 2027-Q1 vote"],
            "pm-bob": [
                "PM of Squad-B (squad-b): 'Briefing template v2' (ranked #1) is assigned to your team"
            ],
        }
        [item] = [i for i in await docs(uow, "inbox") if i["member_id"] == "pm-bob"]
        assert "the project 'Briefing template v2' (prj-1), ranked #1, is owned by ops-olga" in item["text"]
