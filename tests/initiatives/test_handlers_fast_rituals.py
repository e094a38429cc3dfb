"""The planning rituals' announcements on the in-memory unit of work: the cycle's phases, ballots opening
and closing soon, dependency requests answered, overdue and escalated (each once, whatever the reruns)."""

from datetime import date, timedelta

import pytest
from terrain_contracts.events.dependency import DependencyAnswer
from terrain_contracts.events.team import Discipline, Member, MemberRole
from terrain_contracts.subjects import (
    BALLOT_CANDIDATE_ASSIGNED,
    BALLOT_CLOSED,
    BALLOT_CLOSING_SOON,
    BALLOT_OPENED,
    INITIATIVE_CYCLE_PHASE_CHANGED,
    INITIATIVE_DEPENDENCY_ANSWERED,
    INITIATIVE_DEPENDENCY_OVERDUE,
)
from terrain_initiatives.domain.lifecycle import Phase
from terrain_initiatives.handlers import announcements, ballots, candidates, dependencies, planning, teams
from terrain_kit.errors import Conflict, Invalid

from .conftest import QUARTER
from .fast import OPS, OTHER_PM, PM, briefing, data_of, director, proposed, squad, subjects

pytestmark = pytest.mark.unit


def published(uow, subject: str) -> list[dict]:
    return [data_of(uow, i) for i, s in enumerate(subjects(uow)) if s == subject]


async def directors(uow, context, *disciplines: Discipline) -> None:
    for n, discipline in enumerate(disciplines, start=1):
        member = Member(
            member_id=f"dir-{n}",
            name=f"Director {n}",
            email=f"dir-{n}@example.com",
            role=MemberRole.director,
            discipline=discipline,
        )
        await teams.add_member(uow, OPS, context, "tribe-core", None, member)


class TestCyclePhases:
    async def test_opening_and_moving_the_cycle_announce_the_phase_with_what_is_due(self, uow, context):
        await squad(uow, context, "squad-a", PM)
        await squad(uow, context, "squad-b", OTHER_PM)
        await planning.open_cycle(uow, OPS, context, QUARTER)
        initiative = await briefing(uow, context, "squad-a")
        answer_by = context.today() + timedelta(days=3)
        await dependencies.request(uow, PM, context, initiative["_id"], "squad-b", None, "An API", answer_by)

        await planning.move_cycle(uow, OPS, context, QUARTER, Phase.alignment)
        await planning.move_cycle(uow, OPS, context, QUARTER, Phase.alignment)  # a retry: nothing more

        opened, moved = published(uow, INITIATIVE_CYCLE_PHASE_CHANGED)
        assert (opened["from_phase"], opened["to_phase"]) == (None, "drafting")
        assert (moved["from_phase"], moved["to_phase"]) == ("drafting", "alignment")
        assert "Answer the dependency requests" in moved["due"]
        assert moved["open_requests_by_team"] == {"squad-b": 1}


class TestBallotAnnouncements:
    async def test_a_ballot_open_at_once_is_announced_with_its_candidates(self, uow, context, clock):
        await squad(uow, context, "squad-a", PM)
        candidate = await proposed(uow, context, "squad-a")
        await ballots.open_ballot(
            uow, OPS, context, QUARTER, [candidate], None, clock.now + timedelta(days=2), 2
        )

        [opened] = published(uow, BALLOT_OPENED)
        assert opened["candidates"] == [
            {
                "initiative_id": candidate,
                "title": "Initiative of squad-a",
                "owner_team_id": "squad-a",
                "kind": "initiative",
            }
        ]
        assert await announcements.announce_opened_ballots(uow, context) == 0

    async def test_a_ballot_opening_later_is_announced_once_by_the_job_when_it_opens(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        candidate = await proposed(uow, context, "squad-a")
        opens_at = clock.now + timedelta(hours=2)
        await ballots.open_ballot(
            uow, OPS, context, QUARTER, [candidate], opens_at, opens_at + timedelta(days=3), 2
        )
        assert await announcements.announce_opened_ballots(uow, context) == 0

        clock.advance(hours=2)
        assert await announcements.announce_opened_ballots(uow, context) == 1
        assert await announcements.announce_opened_ballots(uow, context) == 0
        assert len(published(uow, BALLOT_OPENED)) == 1

    async def test_only_directors_who_have_not_voted_are_reminded_once_a_day_before_the_close(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        await directors(uow, context, Discipline.product, Discipline.design, Discipline.engineering)
        candidate = await proposed(uow, context, "squad-a")
        ballot = await ballots.open_ballot(
            uow, OPS, context, QUARTER, [candidate], None, clock.now + timedelta(days=3), 2
        )
        await ballots.cast(uow, director(2), context, ballot["_id"], candidate, 3)
        assert await announcements.remind_closing_ballots(uow, context) == 0  # 3 days before: too early

        clock.advance(days=2, hours=1)
        assert await announcements.remind_closing_ballots(uow, context) == 1
        assert await announcements.remind_closing_ballots(uow, context) == 0
        [reminder] = published(uow, BALLOT_CLOSING_SOON)
        assert reminder["pending_director_ids"] == ["dir-1", "dir-3"]
        assert (reminder["voters"], reminder["quorum"]) == (1, 2)

    async def test_a_ballot_shorter_than_the_reminder_window_is_not_reminded(self, uow, context, clock):
        await squad(uow, context, "squad-a", PM)
        candidate = await proposed(uow, context, "squad-a")
        await ballots.open_ballot(
            uow, OPS, context, QUARTER, [candidate], None, clock.now + timedelta(hours=5), 2
        )

        assert await announcements.remind_closing_ballots(uow, context) == 0


class TestDependencyAnnouncements:
    async def asked(self, uow, context, answer_by: date) -> dict:
        await squad(uow, context, "squad-a", PM)
        await squad(uow, context, "squad-b", OTHER_PM)
        initiative = await briefing(uow, context, "squad-a")
        return await dependencies.request(
            uow, PM, context, initiative["_id"], "squad-b", None, "An export API", answer_by
        )

    async def test_an_answer_names_the_requester_and_the_initiative(self, uow, context):
        asked = await self.asked(uow, context, context.today() + timedelta(days=2))

        await dependencies.answer(uow, OTHER_PM, context, asked["_id"], DependencyAnswer.accepted, "OK")

        [answered] = published(uow, INITIATIVE_DEPENDENCY_ANSWERED)
        assert answered["requested_by"] == "pm-a"
        assert answered["requesting_team_id"] == "squad-a"
        assert answered["initiative_title"] == "Initiative of squad-a"

    async def test_an_overdue_request_is_announced_once_then_escalated_once(self, uow, context, clock):
        asked = await self.asked(uow, context, context.today() + timedelta(days=1))
        assert await announcements.announce_overdue(uow, context) == 0

        clock.advance(days=2)  # the day after answer-by
        assert await announcements.announce_overdue(uow, context) == 1
        assert await announcements.announce_overdue(uow, context) == 0
        clock.advance(days=2)  # escalated after 2 more days
        assert await announcements.announce_overdue(uow, context) == 1
        assert await announcements.announce_overdue(uow, context) == 0

        overdue, escalated = published(uow, INITIATIVE_DEPENDENCY_OVERDUE)
        assert (overdue["dependency_id"], overdue["escalated"], overdue["days_overdue"]) == (
            asked["_id"],
            False,
            1,
        )
        assert (escalated["escalated"], escalated["days_overdue"]) == (True, 3)
        assert escalated["requested_by"] == "pm-a"

    async def test_an_answered_request_is_never_announced_overdue(self, uow, context, clock):
        asked = await self.asked(uow, context, context.today())
        await dependencies.answer(uow, OTHER_PM, context, asked["_id"], DependencyAnswer.declined, None)

        clock.advance(days=10)
        assert await announcements.announce_overdue(uow, context) == 0


class TestProjectsAndAssignments:
    async def test_product_ops_projects_are_candidates_ranked_and_assigned_to_owners_after_the_vote(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        candidate = await proposed(uow, context, "squad-a")
        ballot = await ballots.open_ballot(
            uow,
            OPS,
            context,
            QUARTER,
            [candidate],
            None,
            clock.now + timedelta(days=2),
            1,
            [{"title": "Briefing template v2", "owner_team_id": None}],
        )
        [project] = ballot["projects"]
        await ballots.cast(uow, director(1), context, ballot["_id"], project, 3)
        await ballots.cast(uow, director(1), context, ballot["_id"], candidate, 1)
        with pytest.raises(Conflict):
            await candidates.assign(uow, OPS, context, ballot["_id"], project, "pm-a", None)
        await ballots.close(uow, OPS, context, ballot["_id"])

        _, announced = await candidates.assign(uow, OPS, context, ballot["_id"], project, "pm-a", "squad-a")
        _, again = await candidates.assign(uow, OPS, context, ballot["_id"], project, "pm-a", "squad-a")

        [opened] = published(uow, BALLOT_OPENED)
        assert [c["kind"] for c in opened["candidates"]] == ["initiative", "project"]
        [closed] = published(uow, BALLOT_CLOSED)
        assert [(r["initiative_id"], r["kind"], r["title"]) for r in closed["ranking"]] == [
            (project, "project", "Briefing template v2"),
            (candidate, "initiative", "Initiative of squad-a"),
        ]
        [assigned] = published(uow, BALLOT_CANDIDATE_ASSIGNED)
        assert (announced, again) == (True, False)
        assert (assigned["candidate_id"], assigned["rank"], assigned["owner_member_id"]) == (
            project,
            1,
            "pm-a",
        )

    async def test_an_owner_who_is_no_member_and_a_ballot_without_candidates_are_refused_naming_the_field(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        closes = clock.now + timedelta(days=2)
        with pytest.raises(Invalid) as empty:
            await ballots.open_ballot(uow, OPS, context, QUARTER, [], None, closes, 1, [])
        ballot = await ballots.open_ballot(
            uow, OPS, context, QUARTER, [], None, closes, 0, [{"title": "Ops"}]
        )
        await ballots.close(uow, OPS, context, ballot["_id"])

        with pytest.raises(Invalid) as nobody:
            await candidates.assign(uow, OPS, context, ballot["_id"], ballot["candidates"][0], "ghost", None)

        assert (empty.value.field, nobody.value.field) == ("candidate_ids", "owner_member_id")


async def test_a_ballot_stored_before_announcements_existed_is_not_announced_late(uow, context, clock):
    await squad(uow, context, "squad-a", PM)
    candidate = await proposed(uow, context, "squad-a")
    opens_at = clock.now + timedelta(hours=1)
    ballot = await ballots.open_ballot(
        uow, OPS, context, QUARTER, [candidate], opens_at, opens_at + timedelta(days=2), 1
    )
    await uow["ballots"].update_one({"_id": ballot["_id"]}, {"$unset": {"announced_at": ""}})

    clock.advance(hours=2)
    assert await announcements.announce_opened_ballots(uow, context) == 0
