"""Erasure erases (issue 19.4): after erasing a customer no database, no stream holds their email or words.

On the real local stack with its NATS users: a customer's feedback arrives by the bus (as a Sales/CS tool)
and by a signed Zendesk webhook, flows through every service, an initiative answering it ships and the
customer is told by email (a loop closes); all of it is found in the databases and streams. Then Product
Ops erases the customer by email, and a scan of every collection of every service database and of every
message of every stream finds neither the email nor the words.
"""

import json
import uuid
from datetime import UTC, datetime

import httpx
import nats
import pytest
import pytest_asyncio
from bson import json_util
from pymongo import AsyncMongoClient
from terrain_contracts import streams
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
    email_digest,
    feedback_id,
)
from terrain_contracts.events.initiative import Briefing, InitiativeShipped, InitiativeShippedData
from terrain_dev import demo
from terrain_dev.demo.play import SECRETS
from terrain_dev.probes import consumer_settled, stored_messages
from terrain_dev.servers import free_port
from terrain_dev.stack import Printer, Stack, StackConfig
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually
from terrain_dev.webhook_signing import sign
from terrain_kit.erasure import PERSONAL_INDEX

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

TOKEN = uuid.uuid4().hex[:10]
EMAIL = f"erin.{TOKEN}@erasure-client.example"
BUS_TEXT = f"Quokka{TOKEN} reports keep timing out when exporting the quarterly numbers"
HOOK_TEXT = f"Narwhal{TOKEN} single sign-on sends us back to the login page every morning"
# What must be gone: the email and the customer's words (distinctive words, as tokens too, any case).
NEEDLES = [EMAIL.lower(), BUS_TEXT.lower(), HOOK_TEXT.lower(), f"quokka{TOKEN}", f"narwhal{TOKEN}"]
SETTLING = [  # (stream, durable) of every consumer the customer's events pass through
    (streams.FEEDBACK, "feedback-intake"),
    (streams.FEEDBACK, "insights-classifier"),
    (streams.FEEDBACK, "insights-erasure"),
    (streams.FEEDBACK, "initiatives-feedback"),
    (streams.FEEDBACK, "notifier-reporters"),
    (streams.INITIATIVES, "notifier-loops"),
]
BUS_ID = feedback_id("zendesk-sync", f"ticket-{TOKEN}")
HOOK_ID = feedback_id("zendesk", f"zd-{TOKEN}")


@pytest.fixture(scope="module")
def ports() -> demo.Ports:
    return demo.Ports(smtp=free_port(), http=free_port())


@pytest.fixture(scope="module")
def stack(tmp_path_factory, ports):
    config = StackConfig.on_free_ports(tmp_path_factory.mktemp("erasure"), extra_env=demo.environment(ports))
    with Stack(config, Printer(colour=False)) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mailbox(ports):
    receivers = demo.Receivers(ports.smtp, ports.http)
    await receivers.start()
    yield receivers
    await receivers.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ops(stack):
    nc = await nats.connect(stack.nats_url_as("ops"))
    yield nc.jetstream()
    await nc.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def store(stack):
    client = AsyncMongoClient(stack.mongo_uri_as("ops"), tz_aware=True)
    yield client
    await client.close()


def bus_submission() -> FeedbackSubmitted:
    data = FeedbackSubmittedData(
        source="zendesk-sync",
        external_id=f"ticket-{TOKEN}",
        kind=FeedbackKind.customer,
        reporter=Reporter(name="Erin Example", email=EMAIL, role=ReporterRole.customer),
        customer=CustomerRef(name="Erin Example", email=EMAIL),
        text=BUS_TEXT,
        occurred_at=datetime.now(UTC),
    )
    return FeedbackSubmitted.create(data, source="zendesk-sync")


async def post_zendesk(stack: Stack) -> httpx.Response:
    ticket = {
        "id": f"zd-{TOKEN}",
        "subject": "SSO loop",
        "description": HOOK_TEXT,
        "created_at": datetime.now(UTC).isoformat(),
        "requester": {"name": "Erin Example", "email": EMAIL},
    }
    body = json.dumps({"ticket": ticket}).encode()
    headers = {"Content-Type": "application/json", **sign("zendesk", body, SECRETS["zendesk"])}
    async with httpx.AsyncClient(base_url=stack.services["feedback"].base_url, timeout=10) as http:
        return await http.post("/v1/webhooks/zendesk", content=body, headers=headers)


def shipped() -> InitiativeShipped:
    """The initiative answering both needs ships (as the initiatives service announces it)."""
    briefing = Briefing(
        initiative_id=f"in-{TOKEN}",
        title="Faster exports and a steady SSO",
        problem="Exports time out and SSO loops.",
        source="customer_feedback",
        size="s",
        intention="Make both work.",
        owner_team_id="team-erasure",
        quarter="2026-Q4",
        status="shipped",
        version=3,
    )
    data = InitiativeShippedData(
        initiative=briefing,
        release_note="Exports and SSO fixed.",
        linked_feedback_ids=[BUS_ID, HOOK_ID],
        shipped_at=datetime.now(UTC),
        shipped_by="m-pm",
    )
    return InitiativeShipped.create(data, source="initiatives")


async def settled(ops) -> bool:
    for stream, durable in SETTLING:
        if not await consumer_settled(ops, stream, durable):
            return False
    return True


async def scan(store: AsyncMongoClient, ops) -> dict[str, set[str]]:
    """Where each needle is found: "<database>.<collection>" and "<stream>:<subject>"."""
    found: dict[str, set[str]] = {needle: set() for needle in NEEDLES}
    for name in await store.list_database_names():
        if not name.startswith("terrain_"):
            continue
        db = store[name]
        for collection in await db.list_collection_names():
            async for doc in db[collection].find({}):
                text = json_util.dumps(doc).lower()
                for needle in NEEDLES:
                    if needle in text:
                        found[needle].add(f"{name}.{collection}")
    for info in await ops.streams_info():
        stream = info.config.name
        assert stream is not None
        for message in await stored_messages(ops, stream, ">"):
            text = (message.data + json.dumps(message.headers).encode()).decode(errors="replace").lower()
            for needle in NEEDLES:
                if needle in text:
                    found[needle].add(f"{stream}:{message.subject}")
    return found


async def nothing_left_to_erase(store: AsyncMongoClient) -> bool:
    for name in await store.list_database_names():
        if name.startswith("terrain_") and await store[name][PERSONAL_INDEX].count_documents(
            {"pending_delete": True}
        ):
            return False
    return True


async def the_customer_flows_through_and_is_told(stack: Stack, ops, mailbox) -> None:
    """Their two items are ingested, classified and projected, an initiative answering them ships, and
    the customer hears about it by email (a loop closes)."""
    tools = await nats.connect(stack.nats_url_as("tools"))
    try:
        await publish(tools.jetstream(), bus_submission())
    finally:
        await tools.close()
    hook = await post_zendesk(stack)
    assert hook.status_code in (200, 202), hook.text

    async def both_flowed() -> bool:
        classified = await stored_messages(ops, streams.FEEDBACK, "terrain.feedback.classified.v1")
        words = b"".join(m.data for m in classified)
        return BUS_ID.encode() in words and HOOK_ID.encode() in words and await settled(ops)

    await eventually(both_flowed, timeout=30, what="both items ingested, classified and projected")
    await publish(ops, shipped())  # as the initiatives service would (ops may publish anything)

    async def told() -> bool:
        closed = await stored_messages(ops, streams.NOTIFICATIONS, "terrain.notification.loop_closed.v1")
        return len(closed) == 2 and any(m.to == EMAIL for m in mailbox.messages)

    await eventually(told, timeout=30, what="the customer told by email that their need shipped")


async def test_after_erasing_a_customer_no_database_and_no_stream_holds_their_email_or_words(
    stack, ops, store, mailbox
):
    await the_customer_flows_through_and_is_told(stack, ops, mailbox)

    before = await scan(store, ops)
    assert {"terrain_feedback.feedback", "FEEDBACK:terrain.feedback.submitted.v1"} <= before[EMAIL.lower()]
    assert "FEEDBACK:terrain.feedback.ingested.v1" in before[HOOK_TEXT.lower()]
    assert "terrain_notifier.reporters" in before[BUS_TEXT.lower()]  # the customer's words, for closing loops
    assert {
        "NOTIFICATIONS:terrain.notification.loop_closed.v1",
        "NOTIFICATIONS:terrain.notification.delivered.v1",
        "terrain_notifier.deliveries",
        "terrain_notifier.loops",
    } <= before[EMAIL.lower()]
    assert all(before.values()), before

    admin = {"X-API-Key": stack.admin_key}
    async with httpx.AsyncClient(
        base_url=stack.services["feedback"].base_url, headers=admin, timeout=10
    ) as http:
        erased = await http.post(
            "/v1/erasures", json={"customer_email": EMAIL.upper(), "reason": "GDPR request"}
        )
    assert erased.status_code == 200, erased.text
    assert sorted(erased.json()["feedback_ids"]) == sorted([BUS_ID, HOOK_ID])

    async def erasure_settled() -> bool:
        return await settled(ops) and await nothing_left_to_erase(store)

    await eventually(erasure_settled, timeout=30, what="every service erased, the streams too")

    after = await scan(store, ops)
    assert after == {needle: set() for needle in NEEDLES}
    [record] = await store["terrain_feedback"]["erasures"].find({}).to_list(None)
    assert record["customer_email_sha256"] == email_digest(EMAIL) and "customer_email" not in record
