"""The directors' ballot: the window, who may vote, ranking with the documented tie-break, the audit."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from terrain_contracts import subjects
from terrain_dev.waiting import eventually

from .conftest import QUARTER, events

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "services" / "initiatives" / "README.md"


async def candidates(api, count: int) -> list[str]:
    """Initiatives proposed one after the other (so the first was proposed earliest)."""
    await api.team("squad-billing")
    await api.cycle(phase="drafting")
    ids = []
    for n in range(count):
        initiative_id = (await api.briefing("squad-billing", title=f"Candidate {n}"))["initiative_id"]
        api.clock.advance(minutes=1)
        assert (await api.move(initiative_id, "proposed")).status_code == 200
        ids.append(initiative_id)
    return ids


async def open_ballot(api, ids: list[str], quorum: int = 2, opens_in: timedelta = timedelta(0)) -> str:
    opens_at = api.clock.now + opens_in
    response = await api.call(
        "POST",
        "/v1/ballots",
        json_body={
            "quarter": QUARTER,
            "candidate_ids": ids,
            "opens_at": opens_at.isoformat(),
            "closes_at": (opens_at + timedelta(days=2)).isoformat(),
            "quorum": quorum,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["ballot_id"]


async def directors(api, *names: str) -> None:
    for name in names:
        await api.key(name, "director", member_id=name)


async def vote(api, ballot_id: str, director: str, initiative_id: str, score: int):
    return await api.call(
        "PUT", f"/v1/ballots/{ballot_id}/votes/{initiative_id}", director, json_body={"score": score}
    )


async def test_a_vote_before_the_window_opens_or_after_it_ends_is_refused(api):
    [candidate] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [candidate], opens_in=timedelta(hours=1))
    await directors(api, "dina")

    early = await vote(api, ballot_id, "dina", candidate, 3)
    api.clock.advance(hours=1)
    in_window = await vote(api, ballot_id, "dina", candidate, 3)
    api.clock.advance(days=2)
    late = await vote(api, ballot_id, "dina", candidate, 1)

    assert early.status_code == 409 and "votes are not accepted yet" in early.json()["detail"]
    assert in_window.status_code == 200
    assert late.status_code == 409 and "no longer accepted" in late.json()["detail"]
    [stored] = await api.db["votes"].find().to_list(None)
    assert stored["score"] == 3


@pytest.mark.parametrize("role", ["pm", "product_ops", "viewer", "admin"])
async def test_a_vote_by_anyone_but_a_director_is_refused(api, role):
    [candidate] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [candidate])
    await api.key("someone", role, member_id="someone")

    refused = await vote(api, ballot_id, "someone", candidate, 3)

    assert refused.status_code == 403
    assert await api.db["votes"].count_documents({}) == 0


async def test_a_score_outside_one_to_three_is_refused_naming_the_field(api):
    [candidate] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [candidate])
    await directors(api, "dina")

    refused = await vote(api, ballot_id, "dina", candidate, 4)

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.score"


async def test_a_quorum_past_what_mongodb_stores_is_refused_naming_the_field(api):
    # Found with the API fuzzing (an unbounded integer in the document): past BSON's int64
    # raised OverflowError on insert (a 500).
    [candidate] = await candidates(api, 1)
    closes_at = (api.clock.now + timedelta(days=2)).isoformat()
    response = await api.call(
        "POST",
        "/v1/ballots",
        json_body={"quarter": QUARTER, "candidate_ids": [candidate], "closes_at": closes_at, "quorum": 2**64},
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.quorum"


async def test_a_director_may_change_their_vote_until_close_and_only_the_last_counts(api, jetstream):
    [first, second] = await candidates(api, 2)
    ballot_id = await open_ballot(api, [first, second], quorum=1)
    await directors(api, "dina")

    await vote(api, ballot_id, "dina", first, 1)
    api.clock.advance(hours=1)
    changed = await vote(api, ballot_id, "dina", first, 3)
    closed = await api.call("POST", f"/v1/ballots/{ballot_id}/close")
    after_close = await vote(api, ballot_id, "dina", first, 2)

    assert changed.json()["changes"] == 2
    assert closed.status_code == 200
    assert after_close.status_code == 409
    [event] = await eventually(lambda: events(jetstream, subjects.BALLOT_CLOSED), what="ballot.closed")
    assert [(v.director_id, v.initiative_id, v.score, v.cast_at) for v in event.data.audit] == [
        ("dina", first, 3, api.clock.now)
    ]


async def test_the_ranking_follows_total_score_then_the_documented_tie_break(api, jetstream):
    # c0..c4 proposed in that order. Totals: c0=6, c1=7, c2=7 with one 3, c3=7 with one 3, c4=7 with two 3s.
    ids = await candidates(api, 5)
    c0, c1, c2, c3, c4 = ids
    ballot_id = await open_ballot(api, list(reversed(ids)), quorum=3)
    await directors(api, "dina", "eric", "fran")
    scores = {c0: (2, 2, 2), c1: (2, 2, 3), c2: (3, 2, 2), c3: (2, 3, 2), c4: (3, 3, 1)}
    # c1, c2, c3 all total 7 with one 3: the earlier proposal wins (c1, then c2, then c3).
    for initiative_id, given in scores.items():
        for director, score in zip(("dina", "eric", "fran"), given, strict=True):
            assert (await vote(api, ballot_id, director, initiative_id, score)).status_code == 200

    closed = await api.call("POST", f"/v1/ballots/{ballot_id}/close")

    assert closed.status_code == 200
    [event] = await eventually(lambda: events(jetstream, subjects.BALLOT_CLOSED), what="ballot.closed")
    assert [(r.initiative_id, r.rank, r.total, r.votes) for r in event.data.ranking] == [
        (c4, 1, 7, 3),
        (c1, 2, 7, 3),
        (c2, 3, 7, 3),
        (c3, 4, 7, 3),
        (c0, 5, 6, 3),
    ]
    assert event.data.quorum_met is True and event.data.voters == 3
    assert len(event.data.audit) == 15
    assert event.data.tie_break in " ".join(README.read_text().split())  # the README states the same rule
    assert closed.json()["result"]["ranking"][0]["initiative_id"] == c4


async def test_an_inquorate_ballot_publishes_its_ranking_but_does_not_move_priorities(api, jetstream):
    [first] = await candidates(api, 1)
    before = (await api.get(first))["priority"]
    ballot_id = await open_ballot(api, [first], quorum=2)
    await directors(api, "dina")
    await vote(api, ballot_id, "dina", first, 3)

    await api.call("POST", f"/v1/ballots/{ballot_id}/close")

    [event] = await eventually(lambda: events(jetstream, subjects.BALLOT_CLOSED), what="ballot.closed")
    assert (event.data.quorum, event.data.voters, event.data.quorum_met) == (2, 1, False)
    assert (await api.get(first))["priority"] == before


async def test_a_quorate_ballot_feeds_the_average_score_into_priority(api):
    [first, second] = await candidates(api, 2)
    ballot_id = await open_ballot(api, [first, second], quorum=2)
    await directors(api, "dina", "eric")
    for director, score in (("dina", 3), ("eric", 2)):
        await vote(api, ballot_id, director, first, score)

    await api.call("POST", f"/v1/ballots/{ballot_id}/close")

    voted, unvoted = await api.get(first), await api.get(second)
    assert voted["vote_average"] == 2.5 and unvoted["vote_average"] is None
    assert voted["priority"] == pytest.approx(unvoted["priority"] + 2.5 * 0.75)  # votes weight 1, size m 0.75


async def test_closing_twice_publishes_once(api, jetstream):
    [first] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [first], quorum=0)

    once = await api.call("POST", f"/v1/ballots/{ballot_id}/close")
    twice = await api.call("POST", f"/v1/ballots/{ballot_id}/close")

    assert once.json() == twice.json()
    assert twice.headers["Idempotent-Replayed"] == "true"
    await eventually(lambda: _outbox_empty(api), what="outbox published")
    assert len(await events(jetstream, subjects.BALLOT_CLOSED)) == 1


async def _outbox_empty(api) -> bool:
    return await api.db["outbox"].count_documents({"published_at": None}) == 0


async def test_a_ballot_whose_window_ended_is_closed_and_published_by_the_scheduler(api, jetstream):
    [first] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [first], quorum=0, opens_in=timedelta(hours=1))

    api.clock.advance(hours=2)  # its window opens: the maintenance job announces it
    await eventually(lambda: events(jetstream, subjects.BALLOT_OPENED), what="opening announced")
    api.clock.advance(days=3)

    [event] = await eventually(lambda: events(jetstream, subjects.BALLOT_CLOSED), what="scheduler closes it")
    assert event.data.ballot_id == ballot_id
    assert event.data.closed_by == "initiatives-scheduler"
    assert (await api.call("GET", f"/v1/ballots/{ballot_id}")).json()["state"] == "closed"
    [opened] = await events(jetstream, subjects.BALLOT_OPENED)  # announced once
    assert opened.data.ballot_id == ballot_id


async def test_scores_stay_private_while_open_and_the_audit_is_public_after_close(api):
    [first] = await candidates(api, 1)
    ballot_id = await open_ballot(api, [first], quorum=0)
    await directors(api, "dina", "eric")
    await vote(api, ballot_id, "dina", first, 3)
    await vote(api, ballot_id, "eric", first, 1)

    own = (await api.call("GET", f"/v1/ballots/{ballot_id}/votes", "dina")).json()
    ballot = (await api.call("GET", f"/v1/ballots/{ballot_id}", "dina")).json()
    await api.call("POST", f"/v1/ballots/{ballot_id}/close")
    audit = (await api.call("GET", f"/v1/ballots/{ballot_id}/votes", "dina")).json()

    assert [(v["director_id"], v["score"]) for v in own] == [("dina", 3)]
    assert ballot["voters"] == 2 and ballot["result"] is None
    assert [(v["director_id"], v["score"]) for v in audit] == [("dina", 3), ("eric", 1)]


async def test_a_ballot_takes_only_candidates_of_its_quarter_in_a_votable_status(api):
    await api.team("squad-billing")
    draft = (await api.briefing("squad-billing"))["initiative_id"]

    refused = await api.call(
        "POST",
        "/v1/ballots",
        json_body={
            "quarter": QUARTER,
            "candidate_ids": [draft],
            "closes_at": (api.clock.now + timedelta(days=1)).isoformat(),
        },
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "candidate_ids"
    assert re.search(r"is draft: candidates are proposed, aligned, committed", refused.json()["detail"])
