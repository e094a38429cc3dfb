"""Two notifier replicas side by side (one database, one durable consumer) deliver each notification once."""

from collections import Counter

import pytest
from terrain_contracts.events.team import MemberRole
from terrain_dev.testing import publish, running
from terrain_dev.waiting import eventually
from terrain_notifier.main import create

from .conftest import make_settings, put_current, value
from .factories import detected, insight, member, team, team_created
from .receivers import text_of

pytestmark = pytest.mark.integration

INSIGHTS = 12


async def test_two_replicas_deliver_each_notification_once(
    nats_server, mongo_server, database_name, jetstream, smtp_receiver, http_receiver
):
    base = make_settings(nats_server, mongo_server, database_name, smtp_receiver)
    first, second = (
        create(base.model_copy(update={"instance": name})) for name in ("replica-a", "replica-b")
    )
    async with running(first) as a, running(second):
        response = await put_current(
            a.http,
            "/v1/members/pm-bob/preferences",
            json={"channels": ["slack", "email"], "slack_url": http_receiver.url("/slack/bob")},
        )
        assert response.status_code == 200
        await publish(
            jetstream,
            team_created(team("t-billing", [member("pm-ann"), member("pm-bob")], ["billing"])),
            team_created(team("t-ops", [member("ops-olga", MemberRole.product_ops)], [])),
        )
        await eventually(lambda: _teams(a, 2), what="teams projected")
        await publish(
            jetstream, *(detected(insight(f"ins-{i}", dedup_key=f"k-{i}")) for i in range(INSIGHTS))
        )

        # Ann by email, Bob by email and Slack: three sends per insight.
        await eventually(lambda: _delivered(a, 3 * INSIGHTS), what="every send recorded", timeout=30)
        claimed = Counter(
            doc["claimed_by"]
            for doc in await a.db["deliveries"].find({"channel": {"$ne": "inbox"}}).to_list(None)
        )
        await eventually(lambda: value(len(smtp_receiver.all()) == 2 * INSIGHTS), what="all emails received")
        await eventually(
            lambda: value(len(http_receiver.at("/slack/bob")) == INSIGHTS), what="all Slack received"
        )
        inbox_items = await a.db["inbox"].count_documents({})

    ids = [m["X-Terrain-Notification-Id"] for m in smtp_receiver.all()]
    assert len(ids) == len(set(ids)) == 2 * INSIGHTS
    assert Counter(m["X-Envelope-To"] for m in smtp_receiver.all()) == {
        "pm-ann@example.com": INSIGHTS,
        "pm-bob@example.com": INSIGHTS,
    }
    slack_texts = [r.json()["text"] for r in http_receiver.at("/slack/bob")]
    assert len(slack_texts) == INSIGHTS
    assert all("42 items this week" in text_of(m) for m in smtp_receiver.all())
    assert set(claimed) <= {"replica-a", "replica-b"}
    assert inbox_items == INSIGHTS  # Ann's: the insights consumer ran once per event across both replicas


async def _teams(service, count: int) -> bool:
    return await service.db["teams"].count_documents({}) == count


async def _delivered(service, count: int) -> bool:
    return (
        await service.db["deliveries"].count_documents({"channel": {"$ne": "inbox"}, "status": "delivered"})
        == count
    )
