"""Jira without double entry, on the real servers against a local fake Jira Cloud (its documented request
and response shapes, never the internet): the issue created once on commit, signed webhooks moving the
initiative to in progress and shipped, refusals, retries and dead letters."""

import hashlib
import hmac
import json
from uuid import uuid4

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from terrain_contracts import DeadLetter, streams, subjects
from terrain_dev.demo.receivers import FakeJira, jira_webhook
from terrain_dev.probes import stored_messages
from terrain_dev.servers import free_port
from terrain_dev.testing import publish, running, settings_for
from terrain_dev.waiting import eventually
from terrain_initiatives.main import create
from terrain_initiatives.settings import InitiativesSettings, JiraSettings, TrackerSettings
from terrain_kit import deadletters

from .conftest import Api, events

pytestmark = pytest.mark.integration
SECRET = "jira-webhook-secret"


@pytest.fixture
async def jira():
    fake = FakeJira(free_port())
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def api(nats_server, mongo_server, database_name, jetstream, clock, jira) -> Api:
    tracker = TrackerSettings(
        kind="jira",
        jira=JiraSettings(
            site_url=jira.url,
            email=jira.email,
            api_token=SecretStr(jira.token),
            project_key="TRN",
            webhook_secret=SecretStr(SECRET),
        ),
        poll_seconds=0.1,
        backoff_seconds=[1.0],
        max_attempts=3,
    )
    settings = settings_for(
        InitiativesSettings,
        nats_server,
        mongo_server,
        database_name,
        maintenance_interval_seconds=0.2,
        tracker=tracker,
    )
    app = create(settings)
    app.state.context.clock = clock
    async with running(app) as svc:
        yield Api(svc, clock)


async def commit(api: Api, **fields) -> str:
    """A briefing taken to committed, the way Product Ops does during validation."""
    await api.pm("pm-a", "squad-a")
    initiative_id = (await api.briefing("squad-a", "pm-a", **fields))["initiative_id"]
    await api.cycle(phase="validation")
    for step in ("proposed", "aligned", "committed"):
        moved = await api.move(initiative_id, step)
        assert moved.status_code == 200, moved.text
    return initiative_id


async def tracker_of(api: Api, initiative_id: str) -> dict:
    response = await api.call("GET", f"/v1/initiatives/{initiative_id}/tracker")
    assert response.status_code == 200, response.text
    return response.json()


async def linked(api: Api, initiative_id: str) -> dict:
    async def probe():
        found = await tracker_of(api, initiative_id)
        return found if found["tracker"] else None

    return await eventually(probe, timeout=20, what=f"the issue of {initiative_id}")


async def webhook(api: Api, key: str, status: str, category: str, secret: str = SECRET, **overrides):
    body, headers = jira_webhook(secret, key, status, category, at=api.clock.now.timestamp())
    return await api.svc.http.post("/v1/webhooks/jira", content=body, headers={**headers, **overrides})


async def consumed_by_tracker(jetstream) -> None:
    """Wait until the tracker's consumer has acknowledged every initiative event published so far."""
    last = (await jetstream.stream_info(streams.INITIATIVES)).state.last_seq

    async def consumed():
        info = await jetstream.consumer_info(streams.INITIATIVES, "initiatives-tracker")
        return info.ack_floor.stream_seq >= last

    await eventually(consumed, what="initiative events consumed by initiatives-tracker")


def webhook_count(outcome: str) -> float:
    labels = {"tracker": "jira", "outcome": outcome}
    return REGISTRY.get_sample_value("terrain_initiatives_tracker_webhooks_total", labels) or 0.0


async def test_a_committed_initiative_gets_one_issue_that_signed_webhooks_move_to_in_progress_then_shipped(
    api, jira, jetstream
):
    initiative_id = await commit(api, title="Exports in Parquet")

    link = (await linked(api, initiative_id))["tracker"]
    assert link["issue_key"] == "TRN-1" and link["origin"] == "created"
    assert link["issue_url"] == f"{jira.url}/browse/TRN-1"
    [created] = jira.creations
    fields = created["fields"]
    assert fields["project"] == {"key": "TRN"} and fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "Exports in Parquet"
    assert f"terrain-{initiative_id}" in fields["labels"]
    assert fields["description"]["type"] == "doc"
    announced = await events(jetstream, subjects.INITIATIVE_TRACKER_LINKED)
    assert [(e.data.initiative_id, e.data.issue_key) for e in announced] == [(initiative_id, "TRN-1")]

    # The commitment announced again (a redelivery past the de-duplication window): no second issue.
    [commitment] = [
        e
        for e in await events(jetstream, subjects.INITIATIVE_STATUS_CHANGED)
        if e.data.to_status == "committed"
    ]
    await publish(jetstream, commitment.model_copy(update={"id": uuid4()}))
    await consumed_by_tracker(jetstream)
    assert len(jira.creations) == 1

    started = await webhook(api, "TRN-1", "In Progress", "indeterminate")
    assert started.status_code == 200 and started.json() == {"outcome": "moved"}
    again = await webhook(api, "TRN-1", "In Progress", "indeterminate")  # Jira redelivers
    assert again.json() == {"outcome": "unchanged"}
    assert (await api.get(initiative_id))["initiative"]["status"] == "in_progress"

    done = await webhook(api, "TRN-1", "Done", "done")
    assert done.json() == {"outcome": "moved"}
    assert (await webhook(api, "TRN-1", "Done", "done")).json() == {"outcome": "unchanged"}
    assert (await api.get(initiative_id))["initiative"]["status"] == "shipped"

    async def shipped():
        return await events(jetstream, subjects.INITIATIVE_SHIPPED)

    [ship] = await eventually(shipped, what="initiative.shipped")
    assert ship.data.initiative.initiative_id == initiative_id and ship.data.shipped_by == "jira:TRN-1"
    assert len(jira.creations) == 1


async def test_a_creation_whose_answer_was_lost_is_retried_without_a_second_issue(api, jira):
    jira.answers = ["lost"]  # Jira creates the issue, the answer never arrives
    initiative_id = await commit(api)

    async def retrying():
        creation = (await tracker_of(api, initiative_id))["creation"]
        return creation is not None and creation["attempts"] == 1

    await eventually(retrying, what="the first attempt recorded")
    api.clock.advance(seconds=2)  # past the backoff

    link = (await linked(api, initiative_id))["tracker"]
    assert link["issue_key"] == "TRN-1"
    assert len(jira.creations) == 1 and list(jira.issues) == ["TRN-1"]


async def test_a_creation_jira_refuses_is_dead_lettered_with_jiras_reason_and_replayed_once_fixed(
    api, jira, jetstream
):
    jira.answers = [400]
    initiative_id = await commit(api)

    async def failed():
        creation = (await tracker_of(api, initiative_id))["creation"]
        return creation if creation and creation["state"] == "failed" else None

    creation = await eventually(failed, what="the creation given up")
    assert "project: valid project is required" in creation["last_error"]

    async def dead_letters():
        found = await stored_messages(jetstream, streams.DEADLETTER)
        return [DeadLetter.model_validate_json(m.data) for m in found]

    [record] = await eventually(dead_letters, what="the dead letter")
    assert record.consumer == "initiatives-tracker" and "valid project is required" in record.reason
    assert json.loads(record.payload)["data"]["initiative"]["initiative_id"] == initiative_id
    assert len(jira.creations) == 1  # a refusal is not retried

    # Jira's project fixed, the operator replays the dead letter: the issue is created.
    [stored] = await stored_messages(jetstream, streams.DEADLETTER)
    await deadletters.replay(jetstream, stored.sequence)
    assert (await linked(api, initiative_id))["tracker"]["issue_key"] == "TRN-1"
    assert len(jira.creations) == 2


async def test_unsigned_forged_stale_or_oversize_webhooks_are_refused_and_unknown_issues_ignored(api):
    await api.pm("pm-a", "squad-a")
    unsigned = await webhook(api, "TRN-1", "Done", "done", **{"x-hub-signature": ""})
    assert unsigned.status_code == 401
    forged = await webhook(api, "TRN-1", "Done", "done", secret="not-the-secret")
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
    body, headers = jira_webhook(SECRET, "TRN-1", "Done", "done", at=api.clock.now.timestamp() - 3600)
    stale = await api.svc.http.post("/v1/webhooks/jira", content=body, headers=headers)
    assert stale.status_code == 401 and "tolerance" in stale.json()["detail"]
    oversize = await api.svc.http.post("/v1/webhooks/jira", content=b"{" + b" " * 300_000 + b"}")
    assert oversize.status_code == 413
    malformed_body = b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "TRN-1"}}'
    malformed = await api.svc.http.post(
        "/v1/webhooks/jira", content=malformed_body, headers=_signed(malformed_body)
    )
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "issue.fields.status"
    assert (await api.svc.http.post("/v1/webhooks/linear", content=b"{}")).status_code == 404

    before = webhook_count("unknown_issue")
    unknown = await webhook(api, "NOPE-404", "Done", "done")
    assert unknown.status_code == 200 and unknown.json() == {"outcome": "unknown_issue"}
    assert webhook_count("unknown_issue") == before + 1


def _signed(body: bytes) -> dict[str, str]:
    return {"x-hub-signature": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


async def test_an_existing_issue_linked_by_the_pm_is_kept_and_nothing_is_created_on_commit(
    api, jira, jetstream
):
    jira.add("TRN-77")
    await api.pm("pm-a", "squad-a")
    initiative_id = (await api.briefing("squad-a", "pm-a"))["initiative_id"]
    path = f"/v1/initiatives/{initiative_id}/tracker"

    unknown = await api.call("PUT", path, "pm-a", json_body={"issue_key": "TRN-404"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "issue_key"
    first = await api.call("PUT", path, "pm-a", json_body={"issue_key": "TRN-77"})
    assert first.status_code == 200, first.text
    assert first.json()["tracker"]["origin"] == "linked"
    again = await api.call("PUT", path, "pm-a", json_body={"issue_key": "TRN-77"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    other = await api.call("PUT", path, "pm-a", json_body={"issue_key": "TRN-1"})
    assert other.status_code in (409, 422)

    await api.cycle(phase="validation")
    for step in ("proposed", "aligned", "committed"):
        assert (await api.move(initiative_id, step)).status_code == 200
    await consumed_by_tracker(jetstream)
    assert jira.creations == []
    assert (await tracker_of(api, initiative_id))["creation"] is None
    moved = await webhook(api, "TRN-77", "In Progress", "indeterminate")
    assert moved.json() == {"outcome": "moved"}
