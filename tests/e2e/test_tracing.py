"""One trace follows a webhook delivery through feedback, insights and notifier to its notification."""

import json
import secrets
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from terrain_contracts import streams
from terrain_contracts.events.notification import NotificationDelivered
from terrain_dev import demo
from terrain_dev.demo import org, seed
from terrain_dev.demo.client import Services
from terrain_dev.demo.field import SECRETS
from terrain_dev.probes import stored_messages
from terrain_dev.servers import free_port
from terrain_dev.stack import Printer, Stack, StackConfig
from terrain_dev.waiting import eventually
from terrain_dev.webhook_signing import sign

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def spans(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spans")


@pytest.fixture(scope="module")
def ports() -> demo.Ports:
    return demo.Ports(smtp=free_port(), http=free_port())


@pytest.fixture(scope="module")
def stack(tmp_path_factory, spans, ports):
    env = demo.environment(ports) | {"{SERVICE}_TELEMETRY__SPAN_FILE": str(spans / "{service}.jsonl")}
    with Stack(
        StackConfig.on_free_ports(tmp_path_factory.mktemp("stack"), extra_env=env), Printer(colour=False)
    ) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def traced(stack, ports, jetstream_of_stack):
    """A signed Zendesk delivery from a large account about to renew, sent inside a trace of our own."""
    receivers = demo.Receivers(ports.smtp, ports.http)
    await receivers.start()
    services = Services({n: p.base_url for n, p in stack.services.items()}, stack.admin_key)
    try:
        await seed.organisation(services)
        await seed.taxonomy(services)
        await seed.channels(services, receivers)
        await seed.accounts(jetstream_of_stack, date.today())
        account = org.BY_ID["acc-atelier-cobalt"]  # ARR 310k EUR, renewal in 25 days: a churn risk
        await eventually(lambda: _account_known(services, account.account_id), what="account registered")

        trace_id = secrets.token_hex(16)
        body = json.dumps(
            {
                "ticket": {
                    "id": "trace-1",
                    "subject": "We will not renew",
                    "description": (
                        "Exports fail every day and nobody answers. We are moving to a competitor next month."
                    ),
                    "created_at": "2026-11-21T10:00:00Z",
                    "requester": {"name": "Zoé", "email": f"zoe@{account.domain}"},
                    "organization": {"name": account.name, "external_id": account.account_id},
                }
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        }
        response = await services.raw(
            "feedback",
            "POST",
            "/v1/webhooks/zendesk",
            None,
            content=body,
            headers=headers | sign("zendesk", body, SECRETS["zendesk"]),
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: _slack_got(receivers), timeout=60, what="the PM notified on Slack")
        return trace_id
    finally:
        await services.close()
        await receivers.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def jetstream_of_stack(stack):
    import nats

    connection = await nats.connect(stack.nats_url_as("ops"))  # seeds accounts and reads the streams
    yield connection.jetstream()
    await connection.close()


async def _account_known(services: Services, account_id: str) -> bool:
    response = await services.raw("feedback", "GET", f"/v1/accounts/{account_id}", services.admin_key)
    return response.status_code == 200


async def _slack_got(receivers: demo.Receivers) -> bool:
    return any(m.channel == "slack" and "Churn risk" in m.body for m in receivers.messages)


def spans_of(folder: Path, service: str, trace_id: str) -> list[dict]:
    path = folder / f"{service}.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [span for span in map(json.loads, lines) if span["trace_id"] == trace_id]


async def test_the_trace_spans_feedback_insights_and_notifier(traced, spans):
    feedback = await eventually(lambda: _spans(spans, "feedback", traced), what="feedback spans")
    insights = await eventually(lambda: _spans(spans, "insights", traced), what="insights spans")
    notifier = await eventually(lambda: _spans(spans, "notifier", traced), what="notifier spans")

    assert any(span["kind"] == "SERVER" and "/v1/webhooks/" in span["name"] for span in feedback)
    assert any(span["kind"] == "CONSUMER" for span in insights)
    assert any(span["kind"] == "CONSUMER" for span in notifier)
    # Each hop is a child of the previous service's span: the context crossed the outbox and NATS headers.
    known = {span["span_id"] for span in feedback + insights + notifier}
    consumer_spans = [s for s in insights + notifier if s["kind"] == "CONSUMER"]
    assert all(span["parent_id"] in known for span in consumer_spans)


async def test_the_notification_event_carries_the_same_trace(traced, jetstream_of_stack):
    async def delivered() -> list:
        found = await stored_messages(
            jetstream_of_stack, streams.NOTIFICATIONS, NotificationDelivered.subject
        )
        return [m for m in found if traced in m.headers.get("traceparent", "")]

    assert await eventually(delivered, what="notification.delivered in the same trace")


async def _spans(folder: Path, service: str, trace_id: str) -> list[dict]:
    return spans_of(folder, service, trace_id)
