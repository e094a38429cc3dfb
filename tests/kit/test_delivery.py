"""Consumers on a real nats-server and Mongo-wire server: retries, dead letters, idempotency."""

import json

import nats.errors
import pytest
from terrain_contracts import streams
from terrain_contracts.events.account import AccountUpdated
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import consumer_settled, dead_letters
from terrain_dev.testing import running
from terrain_dev.waiting import eventually
from terrain_kit import deadletters
from terrain_kit.broker import provision
from terrain_kit.faults import POISON_HEADER

from .conftest import account_event
from .sample_service import ATTEMPTS, EFFECTS, HEALED, build

pytestmark = pytest.mark.integration

DURABLE = "sample-accounts"


async def publish(js, event: AccountUpdated, msg_id: str | None = None) -> None:
    await js.publish(event.subject, event.to_json(), headers={MSG_ID: msg_id or str(event.id)})


async def settled(js) -> bool:
    return await consumer_settled(js, streams.ACCOUNTS, DURABLE)


async def effects(sample, account_id: str) -> dict | None:
    return await sample.service.db[EFFECTS].find_one({"_id": account_id})


async def test_a_redelivered_event_has_no_second_effect(sample, jetstream):
    event = account_event("acc-1", "Acme")
    # The same event stored twice in the stream (a producer retry outside the duplicate window).
    await publish(jetstream, event, msg_id="first-try")
    await publish(jetstream, event, msg_id="second-try")

    await eventually(lambda: settled(jetstream), what="both copies handled")

    stored = await effects(sample, "acc-1")
    assert stored["applied"] == 1
    assert stored["events"] == [str(event.id)]


async def test_a_payload_failing_validation_is_dead_lettered_with_the_reason(sample, jetstream):
    wire = json.loads(account_event("acc-2", "Acme").to_json())
    del wire["data"]["account"]["name"]
    await jetstream.publish(AccountUpdated.subject, json.dumps(wire).encode())

    [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter")

    assert "data.account.name: Field required" in record.reason
    assert record.error_type == "InvalidMessage"
    assert record.subject == AccountUpdated.subject
    assert json.loads(record.payload) == wire
    assert ATTEMPTS["acc-2"] == 0
    assert await effects(sample, "acc-2") is None
    [rejection] = await sample.db["rejections"].find().to_list(None)  # the service's own record of it
    assert "data.account.name" in rejection["reason"]


async def test_an_invalid_payload_whose_refusal_cannot_be_recorded_still_reaches_its_dead_letter(
    sample, jetstream
):
    await jetstream.publish(AccountUpdated.subject, b'{"refusal-unrecordable": true}')

    [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter", timeout=15)

    assert record.attempts == 3  # the configured attempts, not the server's ceiling of deliveries
    assert record.error_type == "InvalidMessage"
    assert "cannot record this refusal" in record.reason


async def test_a_refusal_is_recorded_once_when_its_dead_letter_had_to_wait(sample, jetstream):
    await jetstream.delete_stream(streams.DEADLETTER)  # dead-lettering fails until it is back
    wire = json.loads(account_event("acc-7", "Acme").to_json())
    del wire["data"]["account"]["name"]
    await jetstream.publish(AccountUpdated.subject, json.dumps(wire).encode())

    async def retried() -> bool:
        info = await jetstream.consumer_info(streams.ACCOUNTS, DURABLE)
        return info.delivered.consumer_seq >= 3

    await eventually(retried, what="the dead letter retried", timeout=15)
    await provision(jetstream, [streams.DEADLETTER], replicas=1)
    await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter", timeout=15)

    assert await sample.db["rejections"].count_documents({}) == 1


async def test_an_oversized_payload_is_dead_lettered_cut_and_replayed_whole(sample, jetstream):
    payload = b"\x00\xff" * 400_000  # 800 kB of binary: base64 would not fit in a dead-letter message
    await jetstream.publish(AccountUpdated.subject, payload)
    [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter", timeout=15)
    assert record.payload_truncated

    [(sequence, _)] = [item async for item in deadletters.records(jetstream, DURABLE)]
    await deadletters.replay(jetstream, sequence)

    replayed = await jetstream.get_last_msg(streams.ACCOUNTS, AccountUpdated.subject)
    assert replayed.data == payload


async def test_a_handler_that_always_raises_stops_after_the_configured_attempts(sample, jetstream):
    await publish(jetstream, account_event("acc-3", "always-fails"))

    [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter")
    await eventually(lambda: settled(jetstream), what="nothing left in flight")

    assert record.attempts == 3
    assert record.error_type == "RuntimeError"
    assert record.reason == "this handler always fails"
    assert ATTEMPTS["acc-3"] == 3  # and no fourth: the message was terminated, not left to loop


async def test_a_rejected_event_is_dead_lettered_without_retrying(sample, jetstream):
    await publish(jetstream, account_event("acc-4", "rejected"))

    [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter")

    assert record.error_type == "Rejected"
    assert record.attempts == 1
    assert ATTEMPTS["acc-4"] == 1


async def test_a_failing_handler_leaves_no_partial_state(sample, jetstream):
    await publish(jetstream, account_event("acc-5", "fails-after-write"))

    await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter")

    assert ATTEMPTS["acc-5"] == 3
    assert await effects(sample, "acc-5") is None


async def test_one_poison_event_does_not_hold_back_the_rest_of_its_batch(sample, jetstream):
    for i in range(30):
        await publish(jetstream, account_event(f"batch-{i}", "always-fails" if i == 17 else f"Customer {i}"))

    await eventually(lambda: settled(jetstream), what="batch handled", timeout=20)

    applied = await sample.service.db[EFFECTS].count_documents({"applied": 1})
    assert applied == 29
    assert [r.payload for r in await dead_letters(jetstream, DURABLE)] != []
    assert (await dead_letters(jetstream, DURABLE))[0].reason == "this handler always fails"


async def test_a_replayed_dead_letter_is_processed_once_and_leaves_the_stream(sample, jetstream):
    await publish(jetstream, account_event("acc-6", "always-fails"))
    await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter")
    HEALED.add("acc-6")  # the bug is fixed

    [(sequence, _)] = [item async for item in deadletters.records(jetstream, DURABLE)]
    await deadletters.replay(jetstream, sequence)

    await eventually(lambda: effects(sample, "acc-6"), what="replayed event applied")
    await eventually(lambda: settled(jetstream), what="replay handled")
    assert (await effects(sample, "acc-6"))["applied"] == 1
    assert await dead_letters(jetstream, DURABLE) == []


async def test_after_commit_actions_run_once_and_only_for_a_committed_unit_of_work(sample):
    ran: list[str] = []

    async def fails(uow):
        uow.after_commit(lambda: ran.append("rolled back"))
        raise RuntimeError("abort")

    async def succeeds(uow):
        uow.after_commit(lambda: ran.append("committed"))

    with pytest.raises(RuntimeError):
        await sample.service.transactions.run(fails)
    await sample.service.transactions.run(succeeds)

    assert ran == ["committed"]


async def test_the_poison_fault_point_fails_marked_messages_until_their_dead_letter(
    sample_settings, jetstream
):
    settings = sample_settings.model_copy(update={"fault_points": {"consumer.poison"}})
    async with running(build(settings)) as poisoned:
        marked = account_event("acc-p", "Acme")
        await jetstream.publish(
            marked.subject, marked.to_json(), headers={MSG_ID: str(marked.id), POISON_HEADER: "poison"}
        )
        await publish(jetstream, account_event("acc-h", "Healthy"))

        [record] = await eventually(lambda: dead_letters(jetstream, DURABLE), what="dead letter", timeout=15)

        assert record.attempts == 3 and record.error_type == "PoisonInjected"
        assert await effects(poisoned, "acc-h") is not None
        assert await effects(poisoned, "acc-p") is None


async def test_jetstream_requests_wait_as_long_as_the_settings_say_not_nats_py_s_five_seconds(sample):
    # nats-py keeps the API timeout of a JetStream context in _timeout (used by every request it makes).
    assert sample.service.jetstream()._timeout == sample.service.settings.nats.api_timeout_seconds == 15.0


async def test_a_jetstream_request_unanswered_at_start_is_tried_again_and_the_service_consumes(
    sample_settings, jetstream, monkeypatch
):
    app = build(sample_settings)
    broker = app.state.service.broker
    real_start, calls = broker.start, []

    async def start_unanswered_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            await real_start()  # the subscriptions are made, then a request times out (as CONSUMER.INFO did)
            raise nats.errors.TimeoutError
        await real_start()

    monkeypatch.setattr(broker, "start", start_unanswered_once)
    async with running(app) as sample:
        await publish(jetstream, account_event("acc-restart", "Acme"))
        await eventually(lambda: effects(sample, "acc-restart"), what="consumed after the second attempt")
        await eventually(lambda: settled(jetstream), what="nothing left pending")

        assert len(calls) == 2
        assert (await effects(sample, "acc-restart"))["applied"] == 1
