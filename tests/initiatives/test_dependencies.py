"""Dependencies on other teams and their initiatives: answers, cycles, the alignment gate, overdue flags."""

from datetime import date, timedelta

import pytest
from terrain_contracts import subjects
from terrain_dev.waiting import eventually

from .conftest import events

pytestmark = pytest.mark.integration


async def request(
    api,
    initiative_id: str,
    on_team: str,
    on_initiative: str | None = None,
    as_: str | None = None,
    answer_by: date | None = None,
):
    return await api.call(
        "POST",
        f"/v1/initiatives/{initiative_id}/dependencies",
        as_,
        json_body={
            "on_team_id": on_team,
            "on_initiative_id": on_initiative,
            "description": "We need your API.",
            "answer_by": (answer_by or api.clock.now.date() + timedelta(days=7)).isoformat(),
        },
    )


async def three_teams(api) -> dict[str, str]:
    """squad-a, squad-b, squad-c with pms ada, bob, cyd and one initiative each, in alignment."""
    ids = {}
    for team, pm in (("squad-a", "ada"), ("squad-b", "bob"), ("squad-c", "cyd")):
        await api.pm(pm, team)
        ids[team] = (await api.briefing(team, as_=pm, title=f"Work of {team}"))["initiative_id"]
    await api.cycle(phase="alignment")
    return ids


async def test_a_dependency_request_is_announced_and_answered_by_the_team_depended_on(api, jetstream):
    ids = await three_teams(api)
    requested = await request(api, ids["squad-a"], "squad-b", ids["squad-b"], as_="ada")
    assert requested.status_code == 201, requested.text
    dependency_id = requested.json()["dependency_id"]

    by_requester = await api.call(
        "POST", f"/v1/dependencies/{dependency_id}/answer", "ada", json_body={"answer": "accepted"}
    )
    by_owner = await api.call(
        "POST",
        f"/v1/dependencies/{dependency_id}/answer",
        "bob",
        json_body={"answer": "accepted", "note": "Planned for sprint 2"},
    )

    assert by_requester.status_code == 403
    assert by_owner.status_code == 200 and by_owner.json()["state"] == "accepted"
    [asked] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_DEPENDENCY_REQUESTED), what="request"
    )
    [answered] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_DEPENDENCY_ANSWERED), what="answer"
    )
    assert (asked.data.initiative_id, asked.data.on_team_id, asked.data.on_initiative_id) == (
        ids["squad-a"],
        "squad-b",
        ids["squad-b"],
    )
    assert (answered.data.answer, answered.data.answered_by, answered.data.note) == (
        "accepted",
        "bob",
        "Planned for sprint 2",
    )


async def test_a_dependency_that_would_close_a_cycle_is_refused_with_the_cycle_named(api):
    ids = await three_teams(api)
    assert (await request(api, ids["squad-a"], "squad-b", ids["squad-b"])).status_code == 201
    assert (await request(api, ids["squad-b"], "squad-c", ids["squad-c"])).status_code == 201

    refused = await request(api, ids["squad-c"], "squad-a", ids["squad-a"])

    assert refused.status_code == 409
    a, b, c = ids["squad-a"], ids["squad-b"], ids["squad-c"]
    assert refused.json()["detail"] == (
        "dependency refused: it would close the cycle "
        f"initiative {c} 'Work of squad-c' (team squad-c) -> team squad-a's initiative {a} 'Work of squad-a' "
        f"-> team squad-b's initiative {b} 'Work of squad-b' "
        f"-> team squad-c's initiative {c} 'Work of squad-c'"
    )


async def test_a_declined_dependency_no_longer_counts_towards_cycles(api):
    ids = await three_teams(api)
    dependency_id = (await request(api, ids["squad-a"], "squad-b", ids["squad-b"])).json()["dependency_id"]
    await api.call("POST", f"/v1/dependencies/{dependency_id}/answer", json_body={"answer": "declined"})

    reverse = await request(api, ids["squad-b"], "squad-a", ids["squad-a"])

    assert reverse.status_code == 201


async def test_alignment_is_blocked_by_an_unanswered_dependency_and_names_it(api):
    ids = await three_teams(api)
    initiative_id = ids["squad-a"]
    dependency_id = (await request(api, initiative_id, "squad-b")).json()["dependency_id"]
    assert (await api.move(initiative_id, "proposed", "ada")).status_code == 200

    blocked = await api.move(initiative_id, "aligned", "ada")
    await api.call(
        "POST", f"/v1/dependencies/{dependency_id}/answer", "bob", json_body={"answer": "accepted"}
    )
    unblocked = await api.move(initiative_id, "aligned", "ada")

    assert blocked.status_code == 409
    due = (api.clock.now.date() + timedelta(days=7)).isoformat()
    assert blocked.json()["detail"].startswith(
        f"cannot move to aligned: dependency {dependency_id} on team squad-b is unanswered (answer by {due})"
    )
    assert unblocked.status_code == 200


async def test_a_declined_dependency_blocks_alignment_until_it_is_withdrawn(api, jetstream):
    ids = await three_teams(api)
    initiative_id = ids["squad-a"]
    dependency_id = (await request(api, initiative_id, "squad-c", ids["squad-c"])).json()["dependency_id"]
    await api.call(
        "POST", f"/v1/dependencies/{dependency_id}/answer", "cyd", json_body={"answer": "declined"}
    )
    assert (await api.move(initiative_id, "proposed", "ada")).status_code == 200

    blocked = await api.move(initiative_id, "aligned", "ada")
    withdrawn = await api.call(
        "POST",
        f"/v1/dependencies/{dependency_id}/withdraw",
        "ada",
        json_body={"reason": "We build it ourselves"},
    )
    aligned = await api.move(initiative_id, "aligned", "ada")

    assert blocked.status_code == 409
    assert (
        f"dependency {dependency_id} on team squad-c (initiative {ids['squad-c']}) was declined"
        in (blocked.json()["detail"])
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert aligned.status_code == 200
    [event] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_DEPENDENCY_WITHDRAWN), what="withdrawn"
    )
    assert event.data.reason == "We build it ourselves"


async def test_a_request_left_unanswered_past_its_day_is_flagged_overdue_and_announced_once(api, jetstream):
    ids = await three_teams(api)
    due = api.clock.now.date() + timedelta(days=2)
    dependency_id = (await request(api, ids["squad-a"], "squad-b", answer_by=due)).json()["dependency_id"]
    answered_id = (await request(api, ids["squad-a"], "squad-c", answer_by=due)).json()["dependency_id"]
    await api.call("POST", f"/v1/dependencies/{answered_id}/answer", "cyd", json_body={"answer": "accepted"})

    api.clock.advance(days=2)  # the answer-by day itself is still in time
    on_the_day = await api.call("GET", "/v1/dependencies", params={"overdue": "true"})
    api.clock.advance(days=1)
    flagged = await eventually(lambda: _flagged(api, dependency_id), what="maintenance flags it")
    overdue = await api.call("GET", "/v1/dependencies", params={"overdue": "true"})

    assert on_the_day.json()["items"] == []
    assert flagged["overdue_since"] == api.clock.now
    assert [d["dependency_id"] for d in overdue.json()["items"]] == [dependency_id]
    assert overdue.json()["items"][0]["overdue"] is True
    assert (await api.db["dependencies"].find_one({"_id": answered_id}))["overdue_since"] is None
    [announced] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_DEPENDENCY_OVERDUE), what="overdue announced"
    )
    assert (announced.data.dependency_id, announced.data.escalated) == (dependency_id, False)
    assert announced.data.requested_by == "key:bootstrap"  # the admin key the request was made with


async def _flagged(api, dependency_id):
    doc = await api.db["dependencies"].find_one({"_id": dependency_id})
    return doc if doc["overdue_since"] is not None else None


@pytest.mark.parametrize(
    ("on_team", "on_initiative", "field"),
    [
        ("squad-a", None, "on_team_id"),
        ("squad-zzz", None, "on_team_id"),
        ("squad-b", "squad-c", "on_initiative_id"),
    ],
)
async def test_a_dependency_on_ones_own_team_or_a_mismatched_initiative_is_refused(
    api, on_team, on_initiative, field
):
    ids = await three_teams(api)

    refused = await request(api, ids["squad-a"], on_team, ids.get(on_initiative))

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == field


async def test_a_dependency_answered_by_a_date_already_past_is_refused(api):
    ids = await three_teams(api)

    refused = await request(
        api, ids["squad-a"], "squad-b", answer_by=api.clock.now.date() - timedelta(days=1)
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "answer_by"
