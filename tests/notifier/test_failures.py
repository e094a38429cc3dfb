"""Failing endpoints: retried with backoff, then dead-lettered with the reason; SSRF refusals; the circuit."""

import pytest
from terrain_contracts import streams, subjects
from terrain_contracts.events.notification import NotificationFailed
from terrain_contracts.events.team import MemberRole
from terrain_dev.probes import dead_letters, stored_messages
from terrain_dev.testing import running
from terrain_dev.waiting import eventually
from terrain_notifier.main import create
from terrain_notifier.settings import DispatchSettings

from .conftest import feed, make_settings, put_current
from .factories import detected, insight, member, team, team_created

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def hook_rules(url: str) -> dict:
    return {
        "endpoints": {"ops-hook": {"channel": "webhook", "url": url, "secret": SECRET}},
        "routes": [{"name": "all-to-hook", "endpoints": ["ops-hook"]}],
    }


async def only_the_hook(notifier, jetstream, url: str) -> None:
    """Nobody owns anything and nobody is in Product Ops: the rule's webhook is the only recipient."""
    await feed(jetstream, team_created(team("t-1", [member("eng-1", MemberRole.engineer)], [])))
    response = await put_current(notifier.http, "/v1/rules", json=hook_rules(url))
    assert response.status_code == 200, response.text


async def test_a_failing_endpoint_is_retried_then_dead_lettered_with_the_reason(
    notifier, jetstream, http_receiver
):
    http_receiver.fail("/hooks/down", 503)
    await only_the_hook(notifier, jetstream, http_receiver.url("/hooks/down"))

    await feed(jetstream, detected(insight("ins-1")))

    [record] = await eventually(lambda: dead_letters(jetstream, "notifier-dispatch"), what="a dead letter")
    assert len(http_receiver.at("/hooks/down")) == 3  # max_attempts, and no fourth
    assert record.service == "notifier"
    assert record.attempts == 3
    assert record.error_type == "DeliveryExhausted"
    assert record.reason == "gave up after 3 attempts: HTTP 503: receiver says no"
    [failed] = [
        NotificationFailed.parse(m.data)
        for m in await stored_messages(jetstream, streams.NOTIFICATIONS, subjects.NOTIFICATION_FAILED)
    ]
    assert failed.data.recipient_id == "ops-hook"
    assert failed.data.attempts == 3
    assert NotificationFailed.parse(record.payload).data.notification_id == failed.data.notification_id
    delivery = (await notifier.http.get(f"/v1/deliveries/{failed.data.notification_id}")).json()
    assert delivery["status"] == "failed"
    assert [h["outcome"] for h in delivery["history"]] == ["retry", "retry", "failed"]
    # Every attempt came with the same webhook-id, so a receiver can de-duplicate retries.
    assert {r.headers["webhook-id"] for r in http_receiver.at("/hooks/down")} == {failed.data.notification_id}


async def test_a_refusing_endpoint_is_dead_lettered_at_once_and_can_be_retried_by_hand(
    notifier, jetstream, http_receiver
):
    http_receiver.fail("/hooks/gone", 404)
    await only_the_hook(notifier, jetstream, http_receiver.url("/hooks/gone"))
    await feed(jetstream, detected(insight("ins-1")))

    [record] = await eventually(lambda: dead_letters(jetstream, "notifier-dispatch"), what="a dead letter")
    assert record.attempts == 1 and record.error_type == "DeliveryRefused"
    assert record.reason.startswith("HTTP 404")

    http_receiver.statuses.pop("/hooks/gone")  # the endpoint is fixed
    [delivery] = (await notifier.http.get("/v1/deliveries", params={"status": "failed"})).json()["items"]
    response = await notifier.http.post(f"/v1/deliveries/{delivery['notification_id']}/retry")
    assert response.status_code == 200, response.text
    await eventually(
        lambda: _status(notifier, delivery["notification_id"], "delivered"), what="delivered on retry"
    )
    assert len(http_receiver.at("/hooks/gone")) == 2


async def test_a_private_range_webhook_target_is_refused(notifier):
    for url in (
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/x",
        "http://192.168.1.20/hook",
    ):
        response = await put_current(notifier.http, "/v1/rules", json=hook_rules(url))
        assert response.status_code == 422, url
        [error] = response.json()["errors"]
        assert error["field"] == "endpoints.ops-hook.url"
        assert "refused target" in error["message"] and "not allow-listed" in error["message"]
    response = await put_current(
        notifier.http,
        "/v1/members/pm-1/preferences",
        json={"channels": ["slack"], "slack_url": "http://10.1.2.3/slack"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "slack_url"


async def test_a_target_that_became_private_is_refused_again_at_send_time(
    nats_server, mongo_server, database_name, jetstream, smtp_receiver, http_receiver
):
    # Saved while loopback was allowed; this replica no longer allows it (as if DNS had moved the host).
    settings = make_settings(nats_server, mongo_server, database_name, smtp_receiver)
    async with running(create(settings)) as notifier:
        await only_the_hook(notifier, jetstream, http_receiver.url("/hooks/moved"))
    strict = settings.model_copy(update={"ssrf_allow": []})
    async with running(create(strict)) as notifier:
        await feed(jetstream, detected(insight("ins-1")))

        [record] = await eventually(
            lambda: dead_letters(jetstream, "notifier-dispatch"), what="a dead letter"
        )
    assert record.reason.startswith("refused target 127.0.0.1: 127.0.0.1 is a loopback address")
    assert http_receiver.at("/hooks/moved") == []


async def test_an_open_circuit_stops_calling_a_failing_endpoint_until_its_probe_time(
    nats_server, mongo_server, database_name, jetstream, smtp_receiver, http_receiver
):
    settings = make_settings(
        nats_server,
        mongo_server,
        database_name,
        smtp_receiver,
        dispatch=DispatchSettings(
            workers=1,
            poll_seconds=0.05,
            backoff_base_seconds=0.05,
            backoff_max_seconds=0.1,
            max_attempts=5,
            breaker_failures=2,
            breaker_cooldown_seconds=60,
        ),
    )
    http_receiver.fail("/hooks/flaky", 500)
    async with running(create(settings)) as notifier:
        await only_the_hook(notifier, jetstream, http_receiver.url("/hooks/flaky"))
        await feed(jetstream, *(detected(insight(f"ins-{i}", dedup_key=f"k-{i}")) for i in range(3)))

        held = await eventually(
            lambda: _all_deferred(notifier, 3), what="every delivery deferred by the circuit"
        )
    # Two failures opened the circuit; later attempts failed fast, without calling the endpoint, and were
    # put off until the circuit lets a probe through.
    assert len(http_receiver.at("/hooks/flaky")) == 2
    assert all(doc["status"] == "pending" for doc in held)
    assert min(doc["next_attempt_at"] - doc["history"][-1]["at"] for doc in held).total_seconds() > 50


async def _all_deferred(notifier, count: int):
    docs = await notifier.db["deliveries"].find({"channel": "webhook"}).to_list(None)
    deferred = [d for d in docs if (d.get("last_error") or "").startswith("circuit open")]
    return docs if len(docs) == count and len(deferred) == count else None


async def _status(notifier, notification_id: str, status: str) -> bool:
    doc = await notifier.db["deliveries"].find_one({"_id": notification_id})
    return doc is not None and doc["status"] == status
