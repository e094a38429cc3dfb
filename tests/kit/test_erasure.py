"""Erasure that erases: where events carrying personal data are stored, and deleting them (real servers)."""

import json
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient
from terrain_contracts import streams
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackIngested,
    FeedbackIngestedData,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    IntakeChannel,
    Reporter,
    ReporterRole,
)
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import stored_messages  # with subject ">": past deleted messages
from terrain_dev.testing import publish, running, settings_for
from terrain_dev.waiting import eventually
from terrain_kit import erasure, mongo
from terrain_kit.broker import provision
from terrain_kit.consumers import Consumers
from terrain_kit.faults import Faults
from terrain_kit.http import create_app
from terrain_kit.outbox import Relay
from terrain_kit.service import Service
from terrain_kit.settings import OutboxSettings
from terrain_kit.uow import OUTBOX, Transactions, UnitOfWork

from .sample_service import SampleSettings

pytestmark = pytest.mark.integration

WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EMAIL = "ada.secret@client.example"


def ingested(feedback_id: str, text: str = "Exports time out for Ada") -> FeedbackIngested:
    data = FeedbackIngestedData(
        feedback_id=feedback_id,
        revision=1,
        source="zendesk",
        external_id=feedback_id,
        channel=IntakeChannel.event,
        kind=FeedbackKind.customer,
        reporter=Reporter(name="Ada", email=EMAIL, role=ReporterRole.customer),
        text=text,
        occurred_at=WHEN,
        ingested_at=WHEN,
    )
    return FeedbackIngested.create(data, source="feedback")


def submitted(external_id: str) -> FeedbackSubmitted:
    data = FeedbackSubmittedData(
        source="zendesk",
        external_id=external_id,
        kind=FeedbackKind.customer,
        reporter=Reporter(name="Ada", email=EMAIL, role=ReporterRole.customer),
        customer=CustomerRef(email=EMAIL),
        text="Exports time out for Ada",
        occurred_at=WHEN,
    )
    return FeedbackSubmitted.create(data, source="zendesk")


def without_text(event: FeedbackSubmitted) -> bytes:
    """The submission failing its contract (no text); the personal fields are still in it."""
    body = event.model_dump(mode="json")
    del body["data"]["text"]
    return json.dumps(body).encode()


class Parts:
    """The kit's erasure pieces around one database, as a Service wires them."""

    def __init__(self, client: AsyncMongoClient, database: str, jetstream) -> None:
        self.db = client[database]
        self.eraser = erasure.Eraser(self.db, lambda: jetstream)
        self.relay = Relay(self.db, lambda: jetstream, OutboxSettings(), Faults(set()), self.eraser.wake)
        self.transactions = Transactions(client, self.db, self.relay, on_erasure=self.eraser.wake)

    async def emit(self, *events) -> None:
        async def work(uow: UnitOfWork) -> None:
            uow.emit(*events)

        await self.transactions.run(work)

    async def erase(self, *feedback_ids: str) -> None:
        async def work(uow: UnitOfWork) -> None:
            await erasure.erase_personal(uow, list(feedback_ids))

        await self.transactions.run(work)

    async def index(self) -> list[dict]:
        return await self.db[erasure.PERSONAL_INDEX].find({}).sort("seq", 1).to_list(None)


@pytest.fixture
async def parts(mongo_server, database_name, jetstream):
    client = AsyncMongoClient(mongo_server.uri, tz_aware=True)
    await provision(jetstream, [streams.FEEDBACK, streams.ACCOUNTS, streams.DEADLETTER], replicas=1)
    made = Parts(client, database_name, jetstream)
    await mongo.ensure_indexes(made.db, erasure.indexes())
    yield made
    await client.close()


async def test_a_published_event_with_personal_refs_is_indexed_with_its_stream_sequence(parts, jetstream):
    account = AccountUpdated.create(
        AccountUpdatedData(account=Account(account_id="a-1", name="A")), source="x"
    )
    await parts.emit(ingested("fb-1"), account, ingested("fb-2"))
    await parts.relay.flush()

    stored = {m.msg_id: m.sequence for m in await stored_messages(jetstream, streams.FEEDBACK, ">")}
    index = await parts.index()
    assert [(e["_id"], e["refs"], e["pending_delete"]) for e in index] == [
        (f"FEEDBACK:{seq}", [fid], False)
        for fid, seq in zip(["fb-1", "fb-2"], sorted(stored.values()), strict=True)
    ]
    outbox = await parts.db[OUTBOX].find({}, {"refs": 1}).to_list(None)
    assert sorted(map(len, (e["refs"] for e in outbox))) == [0, 1, 1]  # the account event carries nobody


async def test_erasing_deletes_the_message_from_the_stream_and_the_outbox_entry_and_again_is_a_no_op(
    parts, jetstream
):
    ada, other = ingested("fb-ada", "Ada's own words"), ingested("fb-other", "Someone else")
    await parts.emit(ada, other)
    await parts.relay.flush()

    await parts.erase("fb-ada")
    assert [e["pending_delete"] for e in await parts.index()] == [True, False]
    assert await parts.db[OUTBOX].find_one({"_id": str(ada.id)}) is None
    assert await parts.eraser.erase_pending() == 1

    left = await stored_messages(jetstream, streams.FEEDBACK, ">")
    assert [m.msg_id for m in left] == [str(other.id)]
    assert b"Ada's own words" not in b"".join(m.data for m in left)
    assert [e["refs"] for e in await parts.index()] == [["fb-other"]]
    assert await parts.db[OUTBOX].count_documents({}) == 1

    await parts.erase("fb-ada")  # the same erasure again, e.g. a redelivered feedback.erased
    assert await parts.eraser.erase_pending() == 0
    assert [m.msg_id for m in await stored_messages(jetstream, streams.FEEDBACK, ">")] == [str(other.id)]


async def test_a_message_already_gone_from_its_stream_counts_as_erased(parts, jetstream):
    await parts.emit(ingested("fb-gone"))
    await parts.relay.flush()
    [entry] = await parts.index()
    await jetstream.delete_msg(streams.FEEDBACK, entry["seq"])  # aged out, or erased by an earlier run

    await parts.erase("fb-gone")
    assert await parts.eraser.erase_pending() == 1
    assert await parts.index() == []


async def test_an_event_erased_before_its_publish_is_deleted_once_published(parts, jetstream):
    # Committed, handed to the relay, then erased before the relay got to it: the publish still happens
    # from memory, and the tombstone marks it for deletion at once.
    await parts.emit(ingested("fb-late"))
    await parts.erase("fb-late")
    assert await parts.db[OUTBOX].count_documents({}) == 0
    await parts.relay.flush()

    assert [e["pending_delete"] for e in await parts.index()] == [True]
    await parts.eraser.erase_pending()
    assert await stored_messages(jetstream, streams.FEEDBACK, ">") == []


def intake_service(settings: SampleSettings) -> Service:
    consumers = Consumers("intake")

    @consumers.on(FeedbackSubmitted, durable="intake-submitted", index_personal=True)
    async def take(event: FeedbackSubmitted, uow: UnitOfWork) -> None:
        await uow["taken"].insert_one({"_id": event.data.feedback_id}, session=uow.session)

    return Service("intake", settings, consumers=consumers)


@pytest.fixture
async def intake(nats_server, mongo_server, database_name, jetstream):
    settings = settings_for(SampleSettings, nats_server, mongo_server, database_name)
    service = intake_service(settings)
    async with running(create_app(service, title="Intake", routers=[])) as running_service:
        yield running_service.service


async def _index_of(service: Service) -> list[dict]:
    return await service.db[erasure.PERSONAL_INDEX].find({}).sort("_id", 1).to_list(None)


async def test_outside_events_and_dead_letters_are_indexed_and_an_erasure_deletes_them_all(intake, jetstream):
    kept, erased, invalid = submitted("t-kept"), submitted("t-ada"), submitted("t-bad")
    await publish(jetstream, kept, erased)
    await jetstream.publish(
        invalid.subject, without_text(invalid), stream=invalid.stream, headers={MSG_ID: str(invalid.id)}
    )

    async def indexed() -> bool:
        return len(await _index_of(intake)) == 4  # three submissions and one dead letter

    await eventually(indexed, timeout=15, what="submissions and the dead letter indexed")
    feedback = {m.msg_id: m.sequence for m in await stored_messages(jetstream, streams.FEEDBACK, ">")}
    [dead] = await stored_messages(jetstream, streams.DEADLETTER, ">")
    by_key = {e["_id"]: e["refs"] for e in await _index_of(intake)}
    assert by_key == {
        f"FEEDBACK:{feedback[str(kept.id)]}": [kept.data.feedback_id],
        f"FEEDBACK:{feedback[str(erased.id)]}": [erased.data.feedback_id],
        f"FEEDBACK:{feedback[str(invalid.id)]}": [invalid.data.feedback_id],
        f"DEADLETTER:{dead.sequence}": [invalid.data.feedback_id],
    }

    async def work(uow: UnitOfWork) -> None:
        await erasure.erase_personal(uow, [erased.data.feedback_id, invalid.data.feedback_id])

    await intake.transactions.run(work)  # wakes the service's eraser once committed

    async def streams_clean() -> bool:
        left = await stored_messages(jetstream, streams.FEEDBACK, ">")
        return [m.msg_id for m in left] == [str(kept.id)]

    await eventually(streams_clean, timeout=10, what="the erased submissions deleted from FEEDBACK")
    assert await stored_messages(jetstream, streams.DEADLETTER, ">") == []
    assert [e["refs"] for e in await _index_of(intake)] == [[kept.data.feedback_id]]
