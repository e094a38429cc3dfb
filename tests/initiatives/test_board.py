"""The board of a quarter: every initiative per team, its dependencies and their state."""

from datetime import timedelta

import pytest

from .conftest import QUARTER

pytestmark = pytest.mark.integration


async def ask(api, initiative_id: str, team_id: str, description: str, due: str, **more: str) -> dict:
    body = {"on_team_id": team_id, "description": description, "answer_by": due, **more}
    response = await api.call("POST", f"/v1/initiatives/{initiative_id}/dependencies", json_body=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_board_shows_each_teams_initiatives_with_their_dependencies_and_states(api):
    await api.team("squad-a")
    await api.team("squad-b")
    await api.team("squad-c")
    a = (await api.briefing("squad-a", title="SSO"))["initiative_id"]
    b = (await api.briefing("squad-b", title="Directory"))["initiative_id"]
    other_quarter = (await api.briefing("squad-a", quarter="2027-Q2"))["initiative_id"]
    await api.cycle(phase="alignment")
    due = (api.clock.now.date() + timedelta(days=1)).isoformat()
    on_b = await ask(api, a, "squad-b", "Directory sync", due, on_initiative_id=b)
    on_c = await ask(api, a, "squad-c", "Review", due)
    await api.call(
        "POST", f"/v1/dependencies/{on_b['dependency_id']}/answer", json_body={"answer": "accepted"}
    )
    api.clock.advance(days=2)

    board = (await api.call("GET", f"/v1/cycles/{QUARTER}/board")).json()

    assert board["phase"] == "alignment"
    lanes = {lane["team_id"]: lane for lane in board["teams"]}
    assert sorted(lanes) == ["squad-a", "squad-b", "squad-c"]
    [on_a] = lanes["squad-a"]["initiatives"]
    assert on_a["initiative"]["initiative_id"] == a and other_quarter not in str(board)
    assert [(d["on_team_id"], d["state"], d["overdue"]) for d in on_a["dependencies"]] == [
        ("squad-b", "accepted", False),
        ("squad-c", "open", True),
    ]
    [on_b_lane] = lanes["squad-b"]["initiatives"]
    assert [d["initiative_id"] for d in on_b_lane["depended_on_by"]] == [a]
    assert lanes["squad-c"]["initiatives"] == []
    assert [d["dependency_id"] for d in lanes["squad-c"]["requests_to_team"]] == [on_c["dependency_id"]]
    assert board["initiatives_by_status"] == {"draft": 2}
    assert (board["open_dependencies"], board["overdue_dependencies"]) == (1, 1)


async def test_planning_phases_move_only_forward_except_back_to_alignment(api):
    await api.cycle(phase="validation")

    reopened = await api.call("POST", f"/v1/cycles/{QUARTER}/phase", json_body={"to": "alignment"})
    skipped = await api.call("POST", f"/v1/cycles/{QUARTER}/phase", json_body={"to": "frozen"})
    await api.cycle(phase="frozen")
    thawed = await api.call("POST", f"/v1/cycles/{QUARTER}/phase", json_body={"to": "validation"})

    assert reopened.status_code == 200
    assert skipped.status_code == 409
    assert "alignment moves to validation" in skipped.json()["detail"]
    assert thawed.status_code == 409
    phases = (await api.call("GET", f"/v1/cycles/{QUARTER}")).json()["phases"]
    assert [p["phase"] for p in phases] == [
        "drafting",
        "alignment",
        "validation",
        "alignment",
        "validation",
        "frozen",
    ]


async def test_only_product_ops_run_the_planning_cycle(api):
    await api.pm("ada", "squad-a")

    refused = await api.call("POST", "/v1/cycles", "ada", json_body={"quarter": QUARTER})

    assert refused.status_code == 403
