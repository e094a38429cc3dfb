"""The notifier's use cases behind its API and periodic jobs, on an in-memory unit of work: preferences and
subscriptions, the inbox, retries, escalations and digests (no nats-server, no store server)."""

from datetime import timedelta

import pytest
from terrain_contracts.events.insight import Severity
from terrain_contracts.events.team import MemberRole
from terrain_kit.errors import Conflict, DomainError, Invalid, NotFound
from terrain_notifier.domain.rules import Match
from terrain_notifier.handlers import deliveries, inbox, insights, members, periodic
from terrain_notifier.handlers.context import Context
from terrain_notifier.settings import NotifierSettings

from .factories import NOW, detected, insight, member
from .memory import billing_team, docs, refuse_all

pytestmark = pytest.mark.unit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class TestMembers:
    async def test_preferences_are_saved_and_used_for_routing(self, uow, context):
        await billing_team(uow)
        prefs, warnings = await members.checked_preferences(context, {"channels": ["inbox"]})

        assert await members.save_preferences(uow, context, "pm-ann", prefs, 0) == 1
        await insights.on_insights(uow, context, [detected(insight())])

        assert warnings == []
        assert [d["channel"] for d in await docs(uow, "deliveries")] == ["inbox"]

    @pytest.mark.parametrize(("if_match", "status"), [(None, 428), (0, 412), (2, 412)])
    async def test_preferences_are_replaced_only_on_their_current_version(
        self, uow, context, if_match, status
    ):
        prefs, _ = await members.checked_preferences(context, {"channels": ["inbox"]})
        await members.save_preferences(uow, context, "pm-ann", prefs, 0)
        email, _ = await members.checked_preferences(context, {"channels": ["email"]})

        with pytest.raises(DomainError) as refused:
            await members.save_preferences(uow, context, "pm-ann", email, if_match)

        assert refused.value.status == status
        [held] = await docs(uow, "preferences")
        assert held["version"] == 1 and held["preferences"]["channels"] == ["inbox"]

    async def test_a_masked_webhook_secret_keeps_the_stored_one(self, context):
        sent = {
            "channels": ["webhook"],
            "webhook_url": "https://hooks.example.com/me",
            "webhook_secret": SECRET,
        }
        held, _ = await members.checked_preferences(context, sent)

        again, _ = await members.checked_preferences(context, {**sent, "webhook_secret": "whsec_***"}, held)

        assert again.webhook_secret == SECRET
        with pytest.raises(Invalid) as refused:
            await members.checked_preferences(context, {**sent, "webhook_secret": "whsec_***"})
        assert [e.field for e in refused.value.errors] == ["webhook_secret"]

    async def test_invalid_preferences_name_the_field(self, context):
        with pytest.raises(Invalid) as refused:
            await members.checked_preferences(context, {"timezone": "Mars/Olympus"})
        assert [e.field for e in refused.value.errors] == ["timezone"]

    async def test_a_personal_slack_webhook_at_a_refused_host_is_invalid(self, clock):
        refusing = Context(NotifierSettings(), check_hosts=refuse_all, clock=clock)
        with pytest.raises(Invalid) as refused:
            await members.checked_preferences(refusing, {"slack_url": "https://hooks.example.com/x"})
        assert refused.value.field == "slack_url"

    async def test_a_subscription_is_added_and_removed_once(self, uow, context):
        subscription = await members.subscribe(uow, context, "pm-bob", Match(themes=["invoices"]))

        await members.unsubscribe(uow, "pm-bob", subscription.subscription_id)

        assert await docs(uow, "subscriptions") == []
        with pytest.raises(NotFound):
            await members.unsubscribe(uow, "pm-bob", subscription.subscription_id)


class TestInboxAndDeliveries:
    async def test_acknowledging_an_inbox_item_reads_it_and_stops_the_escalation(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight(severity=Severity.critical))])
        [item] = await docs(uow, "inbox")

        acknowledged = await inbox.mark(uow, context, "pm-ann", item["_id"], inbox.ACKNOWLEDGED)

        assert acknowledged["acknowledged_at"] == NOW
        [held] = await docs(uow, "inbox")
        assert held["read_at"] == NOW
        [situation] = await docs(uow, "situations")
        assert situation["escalation"] is None and situation["acknowledged_by"] == "pm-ann"

    async def test_another_members_inbox_item_is_not_found(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight())])
        [item] = await docs(uow, "inbox")

        with pytest.raises(NotFound):
            await inbox.mark(uow, context, "pm-bob", item["_id"], inbox.READ)

    async def test_only_a_failed_delivery_is_retried(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight())])
        [email] = await docs(uow, "deliveries", channel="email")

        with pytest.raises(Conflict):
            await deliveries.retry(uow, context, email["_id"])
        await uow["deliveries"].update_one({"_id": email["_id"]}, {"$set": {"status": "failed"}})
        retried = await deliveries.retry(uow, context, email["_id"])

        assert retried["status"] == "pending" and retried["attempts"] == 0
        assert retried["history"][-1]["outcome"] == "requeued"


class TestPeriodic:
    async def test_an_unacknowledged_critical_insight_escalates_to_the_backup_then_product_ops(
        self, uow, context, clock
    ):
        await billing_team(
            uow,
            member("pm-ann", backup="pm-cat"),
            member("pm-cat", MemberRole.designer),
            member("ops-olga", MemberRole.product_ops),
        )
        await insights.on_insights(uow, context, [detected(insight(severity=Severity.critical))])

        clock.now = NOW + timedelta(minutes=31)
        [held] = await docs(uow, "situations")
        assert await periodic.escalate(uow, context, held, clock.now) == 1
        assert await periodic.escalate(uow, context, held, clock.now) == 0  # moved on once

        [to_cat] = await docs(uow, "deliveries", purpose="escalation", channel="email")
        assert to_cat["recipient_id"] == "pm-cat"
        assert to_cat["reasons"] == ["escalation: not acknowledged within 30 min; backup of pm-ann"]
        [held] = await docs(uow, "situations")
        assert held["escalation"]["level"] == 2

        clock.now += timedelta(minutes=31)
        assert await periodic.escalate(uow, context, held, clock.now) == 1
        recipients = {d["recipient_id"] for d in await docs(uow, "deliveries", purpose="escalation")}
        assert recipients == {"pm-cat", "ops-olga"}

    async def test_an_hourly_digest_merges_the_items_of_its_window_into_one_message(self, uow, context):
        await billing_team(uow)
        prefs, _ = await members.checked_preferences(context, {"channels": ["email"], "digest": "hourly"})
        await members.save_preferences(uow, context, "pm-ann", prefs, 0)
        await insights.on_insights(
            uow, context, [detected(insight("ins-1")), detected(insight("ins-2", theme="refunds"))]
        )
        [one, two] = await docs(uow, "digest_items")
        assert one["due_at"] == two["due_at"] == NOW + timedelta(hours=1)
        assert await docs(uow, "deliveries") == []

        assert await periodic.send_digest(uow, context, "pm-ann", "email", one["due_at"]) == 1
        assert await periodic.send_digest(uow, context, "pm-ann", "email", one["due_at"]) == 0

        [digest] = await docs(uow, "deliveries")
        assert digest["purpose"] == "digest" and digest["insight_ids"] == ["ins-1", "ins-2"]
        assert digest["body"]["subject"] == "Terrain digest: 2 insights"
