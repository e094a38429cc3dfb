"""Stream provisioning and leases on the real servers."""

import pytest
from pymongo import AsyncMongoClient
from terrain_contracts import streams
from terrain_kit.broker import provision
from terrain_kit.leases import Lease

pytestmark = pytest.mark.integration


async def test_provisioning_twice_is_harmless_and_brings_a_changed_stream_up_to_date(jetstream):
    await provision(jetstream, [streams.FEEDBACK, streams.DEADLETTER], replicas=1)
    await provision(jetstream, [streams.FEEDBACK, streams.DEADLETTER], replicas=1)
    assert sorted([s.config.name for s in await jetstream.streams_info()]) == ["DEADLETTER", "FEEDBACK"]

    info = await jetstream.stream_info(streams.FEEDBACK)
    info.config.max_msg_size = 1000
    await jetstream.update_stream(info.config)  # drifted by hand
    await provision(jetstream, [streams.FEEDBACK], replicas=1)

    assert (await jetstream.stream_info(streams.FEEDBACK)).config.max_msg_size == 1024 * 1024


@pytest.fixture
async def db(mongo_server, database_name):
    client = AsyncMongoClient(mongo_server.uri, tz_aware=True)
    yield client[database_name]
    await client.close()


async def test_a_lease_is_held_by_one_replica_until_released_or_expired(db):
    first, second = Lease(db, "digests", "replica-a", 60), Lease(db, "digests", "replica-b", 60)

    assert await first.acquire()
    assert await first.acquire()  # renewing our own lease
    assert not await second.acquire()

    await first.release()
    assert await second.acquire()
    assert not await first.acquire()


async def test_an_expired_lease_passes_to_another_replica(db):
    assert await Lease(db, "escalations", "crashed-replica", ttl_seconds=-1).acquire()
    assert await Lease(db, "escalations", "replica-b", 60).acquire()
