"""The generated NATS users: each service works with its own credentials and is refused elsewhere."""

from datetime import UTC, datetime

import nats
import nats.js.errors
import pytest
import pytest_asyncio
from terrain_contracts import streams, subjects
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackClassified,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)
from terrain_contracts.registry import published_by
from terrain_dev.probes import stored_messages
from terrain_dev.stack import ACCOUNTS_CONF, SERVICES, Printer, Stack, StackConfig
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

USERS = [name for name, _, _ in SERVICES] + ["tools", "ops", "sys"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # The local stack runs with the generated users (deploy/k8s/base/nats/accounts.conf), as production does.
    # Ready means every service provisioned its streams and consumers as itself.
    with Stack(
        StackConfig.on_free_ports(tmp_path_factory.mktemp("secured")), Printer(colour=False)
    ) as running:
        yield running


class Connection:
    """A connection as one user, recording the permission errors the server answers."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: nats.NATS | None = None

    async def open(self, stack: Stack, user: str, inbox: str = "_INBOX") -> "Connection":
        async def record(exc: Exception) -> None:
            self.errors.append(str(exc))

        self.nc = await nats.connect(
            stack.nats.url,
            user=user,
            password=stack.nats_passwords[user],
            error_cb=record,
            inbox_prefix=inbox,
            allow_reconnect=False,
        )
        return self

    async def refused(self, action) -> bool:
        before = len(self.errors)
        await action(self.nc)
        await self.nc.flush()
        await eventually(lambda: _more(self, before), timeout=5, what="the server answers")
        return "permissions violation" in self.errors[-1].lower()


async def _more(connection: Connection, before: int) -> bool:
    return len(connection.errors) > before


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ops(stack):
    connection = await Connection().open(stack, "ops")
    yield connection.nc.jetstream()
    await connection.nc.close()


async def test_each_service_runs_with_its_own_user_and_the_pipeline_flows(stack, ops):
    tools = await Connection().open(stack, "tools")
    event = FeedbackSubmitted.create(
        FeedbackSubmittedData(
            source="salesforce",
            external_id="perm-1",
            kind=FeedbackKind.field,
            reporter=Reporter(name="Sam Rivera", role=ReporterRole.sales_rep),
            customer=CustomerRef(name="Acme"),
            text="The CSV export cuts off after 10,000 rows",
            occurred_at=datetime.now(UTC),
        ),
        source="salesforce",
    )
    await publish(tools.nc.jetstream(), event)  # Sales/CS tools may publish submissions
    await tools.nc.close()

    async def classified() -> list:
        return await stored_messages(ops, streams.FEEDBACK, FeedbackClassified.subject)

    # feedback (as "feedback") ingested it, insights (as "insights") classified it
    assert await eventually(classified, timeout=60, what="ingested and classified under least privilege")


@pytest.mark.parametrize(
    ("user", "foreign_subject"),
    [
        ("feedback", subjects.INSIGHT_DETECTED),
        ("insights", subjects.INITIATIVE_SHIPPED),
        ("notifier", subjects.FEEDBACK_INGESTED),
        ("initiatives", subjects.NOTIFICATION_DELIVERED),
        ("tools", subjects.FEEDBACK_INGESTED),
    ],
)
async def test_a_user_is_refused_publishing_another_services_events(stack, user, foreign_subject):
    connection = await Connection().open(stack, user, inbox=f"_INBOX_{user}")
    try:
        assert await connection.refused(lambda nc: nc.publish(foreign_subject, b"{}"))
    finally:
        await connection.nc.close()


async def test_a_service_cannot_pull_from_another_services_consumer_or_read_its_replies(stack):
    connection = await Connection().open(stack, "notifier", inbox="_INBOX_notifier")
    try:
        steal = f"$JS.API.CONSUMER.MSG.NEXT.{streams.FEEDBACK}.insights-classifier"
        assert await connection.refused(lambda nc: nc.publish(steal, b'{"batch": 1}'))
        assert await connection.refused(lambda nc: nc.subscribe("_INBOX_insights.>"))
        assert await connection.refused(
            lambda nc: nc.publish(f"$JS.API.STREAM.DELETE.{streams.FEEDBACK}", b"")
        )
    finally:
        await connection.nc.close()


async def test_an_anonymous_client_is_refused(stack):
    with pytest.raises(nats.errors.Error, match=r"(?i)authorization"):
        await nats.connect(stack.nats.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5)


@pytest.mark.parametrize("service", [name for name, _, _ in SERVICES])
async def test_a_service_may_publish_every_event_it_declares(stack, service):
    connection = await Connection().open(stack, service, inbox=f"_INBOX_{service}")
    js = connection.nc.jetstream(timeout=5)
    try:
        for event in published_by(service):
            # Permitted, the publish reaches JetStream, which refuses to store it (no such stream expected);
            # refused by the permissions, it never would and the request would time out.
            with pytest.raises(nats.js.errors.APIError, match="expected stream"):
                await js.publish(event.subject, b"{}", headers={"Nats-Expected-Stream": "NOT-THIS-ONE"})
        assert not connection.errors
    finally:
        await connection.nc.close()


async def test_the_permissions_leave_each_service_only_its_own_durable_consumers():
    text = ACCOUNTS_CONF.read_text()
    for name, _, _ in SERVICES:
        block = text.split(f"{{user: {name},")[1].split("}}")[0]
        others = [other for other, _, _ in SERVICES if other != name]
        assert not any(f".{other}-" in block for other in others), name


async def test_every_service_user_is_declared():
    assert all(f"{{user: {user}," in ACCOUNTS_CONF.read_text() for user in USERS if user != "sys")
