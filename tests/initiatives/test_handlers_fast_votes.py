"""Ballots and evidence on the in-memory unit of work: what the database holds, which events were recorded."""

from datetime import timedelta

import pytest
from terrain_contracts.events.ballot import BallotClosed
from terrain_contracts.events.initiative import InitiativeFeedbackLinked, InitiativeFeedbackUnlinked
from terrain_initiatives.domain.ballots import TIE_BREAK
from terrain_initiatives.handlers import ballots, briefings, evidence, projections
from terrain_initiatives.store import evidence as evidence_store
from terrain_initiatives.store import planning as planning_store
from terrain_kit.errors import Conflict, Forbidden

from .conftest import QUARTER
from .factories import erased, ingested
from .fast import OPS, PM, briefing, data_of, director, proposed, squad, subjects

pytestmark = pytest.mark.unit


class TestBallots:
    async def open(self, uow, context, clock, candidates: list[str], quorum: int | None = None) -> str:
        ballot = await ballots.open_ballot(
            uow, OPS, context, QUARTER, candidates, None, clock.now + timedelta(days=2), quorum
        )
        return ballot["_id"]

    async def test_a_second_vote_on_a_candidate_replaces_the_first(self, uow, context, clock):
        await squad(uow, context, "squad-a")
        candidate = await proposed(uow, context, "squad-a")
        ballot_id = await self.open(uow, context, clock, [candidate])

        await ballots.cast(uow, director(1), context, ballot_id, candidate, 1)
        clock.advance(minutes=5)
        vote = await ballots.cast(uow, director(1), context, ballot_id, candidate, 3)

        stored = await planning_store.votes(uow, ballot_id)
        assert [(v["director_id"], v["score"]) for v in stored] == [("dir-1", 3)]
        assert [change["score"] for change in vote["changes"]] == [1, 3]

    async def test_only_directors_vote(self, uow, context, clock):
        await squad(uow, context, "squad-a")
        candidate = await proposed(uow, context, "squad-a")
        ballot_id = await self.open(uow, context, clock, [candidate])

        with pytest.raises(Forbidden):
            await ballots.cast(uow, OPS, context, ballot_id, candidate, 3)

    async def test_closing_a_quorate_ballot_announces_the_ranking_and_feeds_the_priorities(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a")
        first, second = [await proposed(uow, context, "squad-a") for _ in range(2)]
        ballot_id = await self.open(uow, context, clock, [first, second])
        for n, scores in enumerate([(1, 3), (2, 3)], start=1):
            await ballots.cast(uow, director(n), context, ballot_id, first, scores[0])
            await ballots.cast(uow, director(n), context, ballot_id, second, scores[1])
        uow.outbox.clear()

        closed, announced = await ballots.close(uow, OPS, context, ballot_id)

        assert announced and closed["result"]["quorum_met"]
        data = data_of(uow, 0)
        assert subjects(uow) == [BallotClosed.subject]
        assert [(r["initiative_id"], r["rank"], r["total"]) for r in data["ranking"]] == [
            (second, 1, 6),
            (first, 2, 3),
        ]
        assert "threes" not in data["ranking"][0]  # the contract's shape; the stored result keeps it
        assert closed["result"]["ranking"][0]["threes"] == 2
        assert (data["voters"], data["tie_break"], len(data["audit"])) == (2, TIE_BREAK, 4)
        assert (await briefings.load(uow, second))["vote_average"] == 3.0

    async def test_closing_a_closed_ballot_answers_its_result_and_announces_nothing(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a")
        candidate = await proposed(uow, context, "squad-a")
        ballot_id = await self.open(uow, context, clock, [candidate])
        first, _ = await ballots.close(uow, OPS, context, ballot_id)
        uow.outbox.clear()

        again, announced = await ballots.close(uow, OPS, context, ballot_id)

        assert not announced
        assert again["result"]["ranking"] == first["result"]["ranking"]
        assert uow.outbox == []

    async def test_an_inquorate_ballot_is_announced_but_moves_no_priority(self, uow, context, clock):
        await squad(uow, context, "squad-a")
        candidate = await proposed(uow, context, "squad-a")
        ballot_id = await self.open(uow, context, clock, [candidate])
        await ballots.cast(uow, director(1), context, ballot_id, candidate, 3)

        closed, _ = await ballots.close(uow, OPS, context, ballot_id)

        assert closed["result"]["quorum_met"] is False
        assert (await briefings.load(uow, candidate))["vote_average"] is None
        assert subjects(uow)[-1] == BallotClosed.subject


class TestEvidence:
    async def test_a_redelivered_link_answers_the_existing_one_and_announces_once(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        uow.outbox.clear()

        link, created = await evidence.link(uow, PM, context, initiative_id, "fb-1")
        again, created_again = await evidence.link(uow, PM, context, initiative_id, "fb-1")

        assert (created, created_again) == (True, False)
        assert again["_id"] == link["_id"]
        assert await evidence_store.count_links(uow, initiative_id) == 1
        assert subjects(uow) == [InitiativeFeedbackLinked.subject]

    async def test_ingested_feedback_counts_in_the_summary_of_the_initiatives_linking_it(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        await evidence.link(uow, PM, context, initiative_id, "fb-1")

        await projections.apply_feedback(
            uow, [ingested("fb-1", "acme", arr=99_000_00)], context.weights, context.now()
        )

        summary = (await briefings.load(uow, initiative_id))["evidence"]
        assert (summary["items"], summary["known_items"], summary["unique_accounts"]) == (1, 1, 1)
        assert summary["arr_by_currency"] == {"EUR": 99_000_00}

    async def test_erased_feedback_is_unlinked_and_cannot_be_linked_again(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        await evidence.link(uow, PM, context, initiative_id, "fb-1")

        await projections.apply_feedback(uow, [erased("fb-1")], context.weights, context.now())

        assert await evidence_store.count_links(uow, initiative_id) == 0
        assert subjects(uow)[-1] == InitiativeFeedbackUnlinked.subject
        with pytest.raises(Conflict, match="erased"):
            await evidence.link(uow, PM, context, initiative_id, "fb-1")

    async def test_links_past_the_maximum_are_refused(self, uow, context):
        await squad(uow, context, "squad-a", pm=PM)
        initiative_id = (await briefing(uow, context, "squad-a"))["_id"]
        for n in range(3):
            await evidence.link(uow, PM, context, initiative_id, f"fb-{n}")

        with pytest.raises(Conflict, match="maximum"):
            await evidence.link(uow, PM, context, initiative_id, "fb-9")
