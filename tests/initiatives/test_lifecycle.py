"""The briefing lifecycle over HTTP: legal and illegal moves, finality, what each planning phase allows."""

import pytest
from terrain_contracts import subjects
from terrain_dev.waiting import eventually

from .conftest import QUARTER, events

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("path", "to"), [(("proposed",), "committed"), ((), "aligned"), ((), "in_progress")])
async def test_an_illegal_transition_is_refused_with_409_and_the_reason(api, path, to):
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    await api.cycle(phase="validation")
    for step in path:
        assert (await api.move(initiative_id, step)).status_code == 200

    refused = await api.move(initiative_id, to)

    assert refused.status_code == 409
    current = (await api.get(initiative_id))["initiative"]["status"]
    assert refused.json()["detail"].startswith(f"illegal transition from {current} to {to}")


async def test_the_whole_lifecycle_is_walked_in_order_and_each_move_is_announced(api, jetstream):
    await api.team("squad-billing")
    await api.cycle(phase="alignment")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]

    for step in ("proposed", "aligned"):
        assert (await api.move(initiative_id, step)).status_code == 200
    await api.cycle(phase="validation")
    assert (await api.move(initiative_id, "committed")).status_code == 200
    await api.cycle(phase="frozen")
    assert (await api.move(initiative_id, "in_progress")).status_code == 200

    moves = await eventually(
        lambda: _n(events(jetstream, subjects.INITIATIVE_STATUS_CHANGED), 4), what="4 moves"
    )
    assert [(m.data.from_status, m.data.to_status) for m in moves] == [
        ("draft", "proposed"),
        ("proposed", "aligned"),
        ("aligned", "committed"),
        ("committed", "in_progress"),
    ]
    assert [m.data.initiative.version for m in moves] == [2, 3, 4, 5]


async def _n(probe, count):
    found = await probe
    return found if len(found) >= count else None


async def test_a_dropped_initiative_cannot_move_or_be_edited(api):
    await api.team("squad-billing")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    dropped = await api.call(
        "POST",
        f"/v1/initiatives/{initiative_id}/drop",
        version=1,
        json_body={"reason": "Superseded by the new pricing page"},
    )
    assert dropped.status_code == 200

    moved = await api.move(initiative_id, "proposed")
    edited = await api.call(
        "PATCH", f"/v1/initiatives/{initiative_id}", version=2, json_body={"title": "Back"}
    )

    assert moved.status_code == 409 and "dropped" in moved.json()["detail"]
    assert edited.status_code == 409


async def test_a_frozen_quarter_accepts_no_new_briefings(api):
    await api.team("squad-billing")
    await api.cycle(phase="frozen")

    refused = await api.call(
        "POST",
        "/v1/initiatives",
        json_body={
            "title": "Late idea",
            "problem": "P",
            "source": "incident",
            "size": "xs",
            "intention": "I",
            "owner_team_id": "squad-billing",
            "quarter": QUARTER,
        },
    )

    assert refused.status_code == 409
    assert refused.json()["detail"] == f"quarter {QUARTER} is in frozen: it accepts no new briefings"


async def test_alignment_happens_only_while_the_quarter_is_in_alignment_or_validation(api):
    await api.team("squad-billing")
    await api.cycle(phase="drafting")
    initiative_id = (await api.briefing("squad-billing"))["initiative_id"]
    assert (await api.move(initiative_id, "proposed")).status_code == 200

    early = await api.move(initiative_id, "aligned")
    await api.cycle(phase="alignment")
    in_time = await api.move(initiative_id, "aligned")

    assert early.status_code == 409
    assert "initiatives move to aligned only during alignment or validation" in early.json()["detail"]
    assert in_time.status_code == 200


async def test_only_product_ops_commit_the_validated_set(api):
    await api.pm("ada", "squad-billing")
    await api.cycle(phase="alignment")
    initiative_id = (await api.briefing("squad-billing", as_="ada"))["initiative_id"]
    for step in ("proposed", "aligned"):
        assert (await api.move(initiative_id, step, "ada")).status_code == 200
    await api.cycle(phase="validation")
    await api.key("olga", "product_ops")

    by_pm = await api.move(initiative_id, "committed", "ada")
    by_ops = await api.move(initiative_id, "committed", "olga")

    assert by_pm.status_code == 403
    assert by_ops.status_code == 200
