"""SIGKILL at the worst moments, on a real process: nothing lost, nothing published twice."""

import json
from functools import partial
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient
from terrain_contracts import streams
from terrain_contracts.events.account import AccountUpdated
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import dead_letters, stored_messages
from terrain_dev.processes import ServiceProcess
from terrain_dev.servers import free_port
from terrain_dev.waiting import eventually

from .conftest import ADMIN_KEY, account_event
from .sample_service import EFFECTS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def launch(nats_server, mongo_server, database_name, tmp_path, jetstream):
    started: list[ServiceProcess] = []
    port = free_port()

    def start(
        *, faults: list[str] = (), wait: bool = True, log_level: str = "WARNING", **consumer: object
    ) -> ServiceProcess:
        env = {
            "SAMPLE_NATS__URL": nats_server.url,
            "SAMPLE_MONGO__URI": mongo_server.uri,
            "SAMPLE_MONGO__DATABASE": database_name,
            "SAMPLE_HTTP__PORT": str(port),
            "SAMPLE_ADMIN_KEY": ADMIN_KEY,
            "SAMPLE_FAULT_POINTS": json.dumps(list(faults)),
            "SAMPLE_OUTBOX__SWEEP_INTERVAL_SECONDS": "0.2",
            "SAMPLE_OUTBOX__SWEEP_GRACE_SECONDS": "0.3",
            "SAMPLE_TELEMETRY__LOG_LEVEL": log_level,
            **{f"SAMPLE_CONSUMER__{key.upper()}": str(value) for key, value in consumer.items()},
        }
        process = ServiceProcess(
            "sample", "tests.kit.sample_service", port, env, cwd=REPO, log_path=tmp_path / "sample.log"
        )
        started.append(process.start(wait=wait))
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
async def db(mongo_server, database_name):
    client = AsyncMongoClient(mongo_server.uri, tz_aware=True)
    yield client[database_name]
    await client.close()


def post_account(process: ServiceProcess, account_id: str) -> None:
    try:
        httpx.post(
            f"{process.base_url}/v1/accounts",
            json={"account_id": account_id, "name": "Acme"},
            headers={"X-API-Key": ADMIN_KEY},
            timeout=10,
        )
    except httpx.TransportError:
        pass  # the process may die before answering: the commit is what matters


async def test_an_event_committed_before_a_crash_is_published_exactly_once_after_restart(
    launch, db, jetstream
):
    crashing = launch(faults=["outbox.before_publish"])
    post_account(crashing, "acc-1")
    assert crashing.wait_exit(15) == -9

    [entry] = await db["outbox"].find().to_list(None)
    assert entry["published_at"] is None
    assert await stored_messages(jetstream, streams.ACCOUNTS) == []

    launch()

    await eventually(
        lambda: db["outbox"].find_one({"_id": entry["_id"], "published_at": {"$ne": None}}),
        what="outbox entry published after restart",
    )
    stored = await stored_messages(jetstream, streams.ACCOUNTS, AccountUpdated.subject)
    assert [m.msg_id for m in stored] == [entry["_id"]]
    applied = await eventually(lambda: db[EFFECTS].find_one({"_id": "acc-1"}), what="event consumed")
    assert applied["applied"] == 1


async def test_a_crash_after_publishing_and_before_marking_does_not_publish_twice(launch, db, jetstream):
    crashing = launch(faults=["outbox.after_publish"])
    post_account(crashing, "acc-2")
    assert crashing.wait_exit(15) == -9

    [entry] = await db["outbox"].find().to_list(None)
    assert entry["published_at"] is None
    assert len(await stored_messages(jetstream, streams.ACCOUNTS)) == 1

    launch()

    await eventually(
        lambda: db["outbox"].find_one({"_id": entry["_id"], "published_at": {"$ne": None}}),
        what="outbox entry marked after restart",
    )
    stored = await stored_messages(jetstream, streams.ACCOUNTS, AccountUpdated.subject)
    assert [m.msg_id for m in stored] == [entry["_id"]]  # the republish was a JetStream duplicate


async def test_a_message_that_crashes_its_consumer_every_time_is_dead_lettered(launch, jetstream, db):
    # The service has to exist once so its streams and consumers do.
    launch(max_deliveries=3, max_attempts=2, ack_wait_seconds=1).stop()
    poison = account_event("acc-3", "crash")
    await jetstream.publish(poison.subject, poison.to_json(), headers={MSG_ID: str(poison.id)})

    crashes = 0
    while not await dead_letters(jetstream, "sample-accounts"):
        process = launch(max_deliveries=3, max_attempts=2, ack_wait_seconds=1, wait=False)
        await eventually(
            partial(_exited_or_dead_lettered, process, jetstream),
            timeout=20,
            what="a crash or the dead letter",
        )
        crashes += 0 if process.running else 1
        assert crashes <= 3, "the poison message kept coming back"

    [record] = await dead_letters(jetstream, "sample-accounts")
    assert record.error_type == "MaxDeliveriesExceeded"
    assert record.attempts == 3
    assert json.loads(record.payload)["id"] == str(poison.id)
    assert crashes == 3
    assert await db[EFFECTS].find_one({"_id": "acc-3"}) is None


async def _exited_or_dead_lettered(process: ServiceProcess, jetstream) -> bool:
    return not process.running or bool(await dead_letters(jetstream, "sample-accounts"))


async def test_a_graceful_restart_mid_load_loses_nothing_and_applies_nothing_twice(launch, db, jetstream):
    # Messages the server handed to a pull request still in flight when the process stopped reach no
    # handler: they come back after ack_wait (30 s by default; 5 s here), to the next process.
    process = launch(log_level="INFO", ack_wait_seconds=5)
    events = [account_event(f"load-{i}", f"Customer {i}") for i in range(300)]
    for event in events:
        await jetstream.publish(event.subject, event.to_json(), headers={MSG_ID: str(event.id)})
    await eventually(lambda: db[EFFECTS].count_documents({}), what="consumption under way")

    # SIGTERM: stop fetching, finish in-flight, flush the outbox, exit. (uvicorn re-raises the signal
    # once shut down, so the exit code reads "terminated" either way; the log says it finished.)
    process.stop()
    assert '"message": "service stopped"' in process.log_path.read_text()
    launch(ack_wait_seconds=5)

    await eventually(lambda: _count_is(db, 300), timeout=30, what="every event applied")
    assert await db[EFFECTS].count_documents({"applied": {"$ne": 1}}) == 0


async def _count_is(db, expected: int) -> bool:
    return await db[EFFECTS].count_documents({}) == expected
