"""Quiet hours, digests, throttling and escalations, on the real servers with the service's clock moved on."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from terrain_contracts.events.insight import InsightStatus, Severity
from terrain_contracts.events.team import MemberRole
from terrain_dev.testing import running
from terrain_dev.waiting import eventually
from terrain_notifier.jobs import periodic
from terrain_notifier.main import create
from terrain_notifier.settings import PolicySettings

from .conftest import feed, make_settings, put_current, value
from .factories import detected, insight, member, team, team_created, updated
from .memory import Clock
from .receivers import text_of

pytestmark = pytest.mark.integration


@pytest.fixture
async def clocked(notifier_settings):
    app = create(notifier_settings)
    clock = app.state.context.clock = Clock(datetime.now(UTC))
    async with running(app) as service:
        yield service, clock


async def org(jetstream) -> None:
    await feed(
        jetstream,
        team_created(
            team(
                "t-billing",
                [member("pm-ann", backup="pm-cat"), member("pm-cat", MemberRole.designer)],
                ["billing"],
            )
        ),
        team_created(team("t-ops", [member("ops-olga", MemberRole.product_ops)], [])),
    )


async def test_quiet_hours_hold_a_notification_until_they_end(clocked, jetstream, smtp_receiver):
    service, clock = clocked
    await org(jetstream)
    local = clock.now.astimezone(timezone(timedelta(hours=-5)))  # New York in winter
    start, end = (
        (local - timedelta(hours=1)).strftime("%H:%M"),
        (local + timedelta(hours=2)).strftime("%H:%M"),
    )
    response = await put_current(
        service.http,
        "/v1/members/pm-ann/preferences",
        json={"timezone": "America/New_York", "quiet_hours": {"start": start, "end": end}},
    )
    assert response.status_code == 200, response.text

    await feed(jetstream, detected(insight("ins-1")))

    [held] = await eventually(lambda: _deliveries(service, channel="email"), what="email recorded")
    assert held["status"] == "pending" and held["timing"] == "held"
    assert timedelta(hours=1, minutes=58) < held["next_attempt_at"] - clock.now <= timedelta(hours=2)
    assert smtp_receiver.all() == []
    clock.now += timedelta(hours=2, minutes=1)
    [mail] = await eventually(lambda: value(smtp_receiver.all()), what="email after quiet hours")
    assert mail["X-Envelope-To"] == "pm-ann@example.com"


async def test_an_hourly_digest_merges_insights_into_one_message(clocked, jetstream, smtp_receiver):
    service, clock = clocked
    await org(jetstream)
    response = await put_current(service.http, "/v1/members/pm-ann/preferences", json={"digest": "hourly"})
    assert response.status_code == 200

    await feed(
        jetstream,
        detected(insight("ins-1", dedup_key="k-1")),
        detected(insight("ins-2", area="billing", theme="refunds", dedup_key="k-2")),
    )
    assert await eventually(lambda: _count(service, "digest_items", 2), what="two digest items")
    assert smtp_receiver.all() == []

    clock.now += timedelta(hours=1)
    assert await periodic.send_digests(service.service.transactions, service.app.state.context) in (0, 1)
    [mail] = await eventually(lambda: value(smtp_receiver.all()), what="the digest")
    assert mail["Subject"] == "Terrain digest: 2 insights"
    assert text_of(mail).count("[warning] Spike in billing") == 2
    [digest] = await _deliveries(service, purpose="digest")
    assert sorted(digest["insight_ids"]) == ["ins-1", "ins-2"]


async def test_throttled_notifications_fold_into_the_next_digest(
    nats_server, mongo_server, database_name, jetstream, smtp_receiver
):
    settings = make_settings(
        nats_server,
        mongo_server,
        database_name,
        smtp_receiver,
        policy=PolicySettings(periodic_seconds=0.1, throttle_max=2),
    )
    async with running(create(settings)) as service:
        await org(jetstream)
        await feed(jetstream, *(detected(insight(f"ins-{i}", dedup_key=f"k-{i}")) for i in range(3)))
        await eventually(lambda: value(len(smtp_receiver.all()) == 2), what="two emails")
        [item] = await service.db["digest_items"].find().to_list(None)
    assert item["member_id"] == "pm-ann"
    assert item["summary"]["insight_id"] in {"ins-0", "ins-1", "ins-2"}


async def test_an_unacknowledged_critical_insight_escalates_to_the_backup_then_product_ops(
    clocked, jetstream, smtp_receiver
):
    service, clock = clocked
    await org(jetstream)
    context = service.app.state.context
    await feed(jetstream, detected(insight("ins-1", severity=Severity.critical)))
    await eventually(lambda: value(smtp_receiver.to("pm-ann@example.com")), what="first email")

    clock.now += timedelta(minutes=31)  # the default 30 minutes
    await periodic.escalate(service.service.transactions, context)
    [to_backup] = await eventually(
        lambda: value(smtp_receiver.to("pm-cat@example.com")), what="to the backup"
    )
    assert to_backup["Subject"] == "Escalation: [critical] Spike in billing"
    assert "backup of pm-ann" in text_of(to_backup)
    assert smtp_receiver.to("ops-olga@example.com") == []

    clock.now += timedelta(minutes=31)
    await periodic.escalate(service.service.transactions, context)
    [to_ops] = await eventually(
        lambda: value(smtp_receiver.to("ops-olga@example.com")), what="to Product Ops"
    )
    assert "Product Ops" in text_of(to_ops)

    clock.now += timedelta(minutes=31)
    assert await periodic.escalate(service.service.transactions, context) == 0  # nothing further


async def test_acknowledging_in_the_inbox_or_upstream_cancels_the_escalation(
    clocked, jetstream, smtp_receiver
):
    service, clock = clocked
    await org(jetstream)
    context = service.app.state.context
    await feed(
        jetstream,
        detected(insight("ins-1", severity=Severity.critical, dedup_key="k-1")),
        detected(insight("ins-2", severity=Severity.critical, dedup_key="k-2")),
    )
    ann = await service.api_key("pm", member_id="pm-ann")
    items = (await service.http.get("/v1/inbox", headers={"X-API-Key": ann})).json()["items"]
    first = next(item for item in items if item["insight_id"] == "ins-1")
    response = await service.http.post(
        f"/v1/inbox/{first['item_id']}/acknowledge", headers={"X-API-Key": ann}
    )
    assert response.status_code == 200 and response.json()["acknowledged_at"] is not None
    # The second is acknowledged where insights live, and the update says so.
    await feed(
        jetstream,
        updated(
            insight(
                "ins-2",
                severity=Severity.critical,
                dedup_key="k-2",
                version=2,
                status=InsightStatus.acknowledged,
            )
        ),
    )

    # Both acknowledgements are in the store before the clock moves (the situations say so), so what
    # follows tests the escalation, not how soon a commit is visible to the next read.
    await eventually(lambda: _both_acknowledged(service), what="both situations acknowledged")
    clock.now += timedelta(minutes=31)
    assert await periodic.escalate(service.service.transactions, context) == 0
    assert smtp_receiver.to("pm-cat@example.com") == []


async def _both_acknowledged(service) -> bool:
    situations = {doc["_id"]: doc for doc in await service.db["situations"].find({}).to_list(None)}
    first, second = situations.get("k-1", {}), situations.get("k-2", {})
    return (
        first.get("acknowledged_at") is not None
        and first.get("escalation") is None
        and second.get("status") == "acknowledged"
        and second.get("escalation") is None
    )


async def _deliveries(service, **query) -> list[dict]:
    return await service.db["deliveries"].find(query).to_list(None)


async def _count(service, collection: str, count: int) -> bool:
    return await service.db[collection].count_documents({}) == count
