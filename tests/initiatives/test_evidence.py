"""Evidence: links, summaries maintained from feedback events, erasure, suggestions from insights."""

import pytest
from terrain_contracts import streams, subjects
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish, running, settings_for
from terrain_dev.waiting import eventually
from terrain_initiatives.main import create
from terrain_initiatives.settings import InitiativesSettings, PriorityWeights

from .conftest import events
from .factories import erased, ingested, insight

pytestmark = pytest.mark.integration


async def initiative(api, themes=("sso",)) -> str:
    await api.pm("ada", "squad-identity")
    return (await api.briefing("squad-identity", as_="ada", themes=list(themes)))["initiative_id"]


async def link(api, initiative_id: str, feedback_id: str, as_: str = "ada"):
    return await api.call(
        "POST", f"/v1/initiatives/{initiative_id}/links", as_, json_body={"feedback_id": feedback_id}
    )


async def evidence(api, initiative_id: str) -> dict:
    return (await api.get(initiative_id))["evidence"]


async def settled(js, stream: str, durable: str) -> bool:
    return await consumer_settled(js, stream, durable)


async def test_linking_is_idempotent_and_announced_once(api, jetstream):
    initiative_id = await initiative(api)

    first = await link(api, initiative_id, "fb-1")
    again = await link(api, initiative_id, "fb-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    [linked] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_FEEDBACK_LINKED), what="link event"
    )
    assert (linked.data.feedback_id, linked.data.linked_by, linked.data.origin) == ("fb-1", "ada", "manual")
    assert linked.data.owner_team_id == "squad-identity"


async def test_the_summary_converges_whether_feedback_arrives_before_or_after_the_link(api, jetstream):
    initiative_id = await initiative(api)
    await publish(jetstream, ingested("fb-early", "acme", arr=5_000_000))
    await eventually(lambda: settled(jetstream, streams.FEEDBACK, "initiatives-feedback"), what="early seen")
    for feedback_id in ("fb-early", "fb-late", "fb-late-2"):
        await link(api, initiative_id, feedback_id)
    assert (await evidence(api, initiative_id))["known_items"] == 1

    await publish(
        jetstream,
        ingested("fb-late", "globex", arr=1_200_000, currency="USD"),
        ingested("fb-late-2", "acme", arr=6_000_000, at=ingested("x", None).data.ingested_at.replace(day=12)),
    )

    summary = await eventually(lambda: _known(api, initiative_id, 3), what="late feedback counted")
    # acme counted once, with the ARR of its most recent item (6,000,000 minor units, not 11,000,000)
    assert summary == {
        "items": 3,
        "known_items": 3,
        "unique_accounts": 2,
        "arr_by_currency": {"EUR": 6_000_000, "USD": 1_200_000},
    }


async def _known(api, initiative_id: str, count: int):
    summary = await evidence(api, initiative_id)
    return summary if summary["known_items"] == count else None


async def test_a_newer_revision_replaces_the_older_and_an_older_one_arriving_late_is_ignored(api, jetstream):
    initiative_id = await initiative(api)
    await link(api, initiative_id, "fb-1")

    await publish(
        jetstream, ingested("fb-1", "acme", arr=100_00, revision=2), ingested("fb-1", "acme", arr=50_00)
    )
    await eventually(lambda: settled(jetstream, streams.FEEDBACK, "initiatives-feedback"), what="both seen")

    assert (await evidence(api, initiative_id))["arr_by_currency"] == {"EUR": 100_00}
    assert (await api.db["feedback"].find_one({"_id": "fb-1"}))["revision"] == 2


async def test_erased_feedback_is_unlinked_announced_and_never_comes_back(api, jetstream):
    initiative_id = await initiative(api)
    await publish(jetstream, ingested("fb-1", "acme", arr=100_00), ingested("fb-2", "globex", arr=200_00))
    for feedback_id in ("fb-1", "fb-2"):
        await link(api, initiative_id, feedback_id)
    await eventually(lambda: _known(api, initiative_id, 2), what="both counted")

    erasure = erased("fb-1")
    await publish(jetstream, erasure, ingested("fb-1", "acme", arr=100_00, revision=2))

    [unlinked] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_FEEDBACK_UNLINKED), what="unlink"
    )
    await eventually(lambda: settled(jetstream, streams.FEEDBACK, "initiatives-feedback"), what="all seen")
    assert (unlinked.data.feedback_id, unlinked.data.unlinked_by) == ("fb-1", "dpo")
    assert unlinked.causation_id == erasure.id
    assert await evidence(api, initiative_id) == {
        "items": 1,
        "known_items": 1,
        "unique_accounts": 1,
        "arr_by_currency": {"EUR": 200_00},
    }
    assert await api.db["feedback"].find_one({"_id": "fb-1"}) is None
    relink = await link(api, initiative_id, "fb-1")
    assert relink.status_code == 409 and "erased" in relink.json()["detail"]


async def test_insights_of_a_covered_theme_become_suggestions_to_accept_or_dismiss(api, jetstream):
    initiative_id = await initiative(api, themes=("sso", "scim"))
    await link(api, initiative_id, "fb-linked")
    await publish(
        jetstream,
        ingested("fb-2", "acme", arr=300_00),
        insight("ins-1", "sso", ["fb-linked", "fb-2", "fb-3"]),
        insight("ins-2", "billing", ["fb-9"]),
    )

    suggested = await eventually(lambda: _suggestions(api, initiative_id, 2), what="suggestions")
    accepted = await api.call("POST", f"/v1/initiatives/{initiative_id}/suggestions/fb-2/accept", "ada")
    dismissed = await api.call("POST", f"/v1/initiatives/{initiative_id}/suggestions/fb-3/dismiss", "ada")
    not_suggested = await api.call("POST", f"/v1/initiatives/{initiative_id}/suggestions/fb-9/accept", "ada")

    assert [s["feedback_id"] for s in suggested] == ["fb-2", "fb-3"]
    assert suggested[0]["account_name"] == "Acme" and suggested[0]["arr"] == {
        "amount_minor": 300_00,
        "currency": "EUR",
    }
    assert suggested[0]["insights"][0]["insight_id"] == "ins-1"
    assert accepted.status_code == 201 and accepted.json()["origin"] == "suggestion"
    assert dismissed.status_code == 204
    assert not_suggested.status_code == 404
    assert await _suggestions(api, initiative_id, 0) == []
    linked = await eventually(
        lambda: _n(events(jetstream, subjects.INITIATIVE_FEEDBACK_LINKED), 2), what="links"
    )
    assert linked[-1].data.origin == "suggestion"


async def test_a_reporters_proposed_initiative_is_a_suggestion_for_its_pm(api, jetstream):
    initiative_id = await initiative(api)
    await publish(jetstream, ingested("fb-rep", "acme", arr=100_00, proposed_initiative_id=initiative_id))

    [suggested] = await eventually(lambda: _suggestions(api, initiative_id, 1), what="the proposal")
    accepted = await api.call("POST", f"/v1/initiatives/{initiative_id}/suggestions/fb-rep/accept", "ada")

    assert suggested["feedback_id"] == "fb-rep" and suggested["proposed_by"] == "rep@example.com"
    assert suggested["insights"] == []
    assert accepted.status_code == 201 and accepted.json()["origin"] == "suggestion"
    assert await _suggestions(api, initiative_id, 0) == []


async def test_an_updated_insight_replaces_the_older_version_only(api, jetstream):
    initiative_id = await initiative(api)
    await publish(
        jetstream, insight("ins-1", "sso", ["fb-1"], version=2), insight("ins-1", "sso", ["fb-old"])
    )
    await eventually(
        lambda: settled(jetstream, streams.INSIGHTS, "initiatives-insights"), what="insights seen"
    )

    assert [s["feedback_id"] for s in await _suggestions(api, initiative_id, 1)] == ["fb-1"]


async def _suggestions(api, initiative_id: str, count: int):
    found = (await api.call("GET", f"/v1/initiatives/{initiative_id}/suggestions")).json()
    return found if len(found) == count else None


async def _n(probe, count):
    found = await probe
    return found if len(found) >= count else None


async def test_the_priority_score_follows_evidence_and_size_as_documented(api, jetstream):
    initiative_id = await initiative(api)
    await publish(jetstream, *(ingested(f"fb-{n}", f"account-{n}", arr=33_000_00) for n in range(3)))
    for n in range(3):
        await link(api, initiative_id, f"fb-{n}")
    await eventually(lambda: _known(api, initiative_id, 3), what="all counted")

    # 99,000 EUR over 3 accounts, no vote, size m: (log10(1 + 99) + log2(1 + 3) + 0) * 0.75 = 3.0
    assert (await api.get(initiative_id))["priority"] == pytest.approx(3.0)
    resized = await api.call(
        "PATCH", f"/v1/initiatives/{initiative_id}", "ada", version=1, json_body={"size": "xs"}
    )
    assert resized.json()["priority"] == pytest.approx(4.0)
    listed = (await api.call("GET", "/v1/initiatives", params={"sort": "priority"})).json()["items"]
    assert listed[0]["initiative"]["initiative_id"] == initiative_id


async def test_changed_weights_rescore_every_initiative_at_start(
    api, jetstream, nats_server, mongo_server, database_name
):
    initiative_id = await initiative(api)
    await publish(jetstream, ingested("fb-1", "acme"))
    await link(api, initiative_id, "fb-1")
    await eventually(lambda: _known(api, initiative_id, 1), what="counted")
    assert (await api.get(initiative_id))["priority"] == pytest.approx(0.75)  # log2(1 + 1) * 0.75

    # A new replica with heavier account weight starts beside the old one (a rolling deploy).
    heavier = settings_for(
        InitiativesSettings, nats_server, mongo_server, database_name, priority=PriorityWeights(accounts=4.0)
    )
    async with running(create(heavier)):
        rescored = await eventually(lambda: _priority_is(api, initiative_id, 3.0), what="rescored")

    assert rescored == pytest.approx(3.0)


async def _priority_is(api, initiative_id: str, wanted: float):
    priority = (await api.get(initiative_id))["priority"]
    return priority if priority == pytest.approx(wanted) else None


async def test_sales_and_cs_reps_never_see_drafts(api):
    initiative_id = await initiative(api)
    briefing = (await api.get(initiative_id))["initiative"]
    quarter = briefing["quarter"]
    assert briefing["status"] == "draft"
    await api.key("sam", "sales", member_id="sam@example.com")

    listed = await api.call("GET", "/v1/initiatives", "sam")
    asked = await api.call("GET", "/v1/initiatives", "sam", params={"status": "draft"})
    one = await api.call("GET", f"/v1/initiatives/{initiative_id}", "sam")
    history = await api.call("GET", f"/v1/initiatives/{initiative_id}/history", "sam")
    board = await api.call("GET", f"/v1/cycles/{quarter}/board", "sam")
    by_pm = await api.call("GET", f"/v1/initiatives/{initiative_id}", "ada")

    assert listed.status_code == asked.status_code == 200
    assert listed.json()["items"] == [] and asked.json()["items"] == []
    assert one.status_code == history.status_code == 404
    assert board.status_code == 200
    assert all(not lane["initiatives"] for lane in board.json()["teams"])
    assert by_pm.status_code == 200
