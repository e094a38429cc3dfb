"""The notifier's use cases on an in-memory unit of work: no nats-server, no store server.

Each test calls a handler as the consumers and routes do, then asserts what the database holds and which
events the unit of work recorded (``uow.outbox``). The integration tests beside these prove the wiring.
"""

from datetime import timedelta

import pytest
from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData
from terrain_contracts.events.insight import InsightStatus, Severity
from terrain_contracts.events.notification import (
    NotificationDelivered,
    NotificationFailed,
    NotificationLoopClosed,
)
from terrain_contracts.events.team import TeamDeleted, TeamDeletedData
from terrain_kit.errors import DomainError
from terrain_notifier.domain.rules import RulesError, parse_rules
from terrain_notifier.handlers import insights, loops, outcomes, projections
from terrain_notifier.handlers import rules as rules_handlers
from terrain_notifier.handlers.context import Context
from terrain_notifier.settings import NotifierSettings

from .factories import NOW, detected, ingested, insight, member, shipped, team, team_created
from .memory import billing_team, docs, refuse_all, subjects

pytestmark = pytest.mark.unit


class TestInsightFanOut:
    async def test_an_insight_plans_one_delivery_per_channel_of_the_owning_pm_with_the_reasons(
        self, uow, context
    ):
        await billing_team(uow)

        await insights.on_insights(uow, context, [detected(insight())])

        by_channel = {d["channel"]: d for d in await docs(uow, "deliveries")}
        assert set(by_channel) == {"inbox", "email"}  # the rules' default channels
        assert by_channel["email"]["status"] == "pending" and by_channel["email"]["timing"] == "now"
        assert by_channel["email"]["target"] == {"email": "pm-ann@example.com"}
        assert by_channel["inbox"]["status"] == "delivered"
        for delivery in by_channel.values():
            assert delivery["recipient_id"] == "pm-ann"
            assert delivery["reasons"] == ["PM of Team t-billing (t-billing), owner of area billing"]
        [item] = await docs(uow, "inbox")
        assert item["member_id"] == "pm-ann" and item["subject"] == "[warning] Spike in billing"
        assert subjects(uow) == [NotificationDelivered.subject]
        [situation] = await docs(uow, "situations")
        assert situation["notified_members"] == ["pm-ann"] and situation["decision"] == "new situation"

    async def test_a_redelivered_insight_records_nothing_new(self, uow, context):
        await billing_team(uow)
        event = detected(insight())
        await insights.on_insights(uow, context, [event])
        recorded = len(uow.outbox)

        await insights.on_insights(uow, context, [event])

        assert len(await docs(uow, "deliveries")) == 2
        assert len(await docs(uow, "inbox")) == 1
        assert len(uow.outbox) == recorded

    async def test_a_later_version_at_the_same_severity_notifies_nobody_again(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight())])

        await insights.on_insights(uow, context, [detected(insight(version=2))])

        assert len(await docs(uow, "deliveries")) == 2
        [situation] = await docs(uow, "situations")
        assert situation["version"] == 2 and situation["decision"] == "new situation"

    async def test_a_rising_severity_notifies_again_and_starts_an_escalation(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight())])

        await insights.on_insights(uow, context, [detected(insight(version=2, severity=Severity.critical))])

        assert len(await docs(uow, "deliveries", channel="email")) == 2
        [situation] = await docs(uow, "situations")
        assert situation["decision"] == "severity rose from warning to critical"
        assert situation["escalation"]["level"] == 1
        assert situation["escalation"]["due_at"] == NOW + timedelta(minutes=30)

    async def test_a_resolved_insight_cancels_the_escalation_and_notifies_nobody(self, uow, context):
        await billing_team(uow)
        await insights.on_insights(uow, context, [detected(insight(severity=Severity.critical))])

        resolved = insight(version=2, severity=Severity.critical, status=InsightStatus.resolved)
        await insights.on_insights(uow, context, [detected(resolved)])

        [situation] = await docs(uow, "situations")
        assert situation["escalation"] is None and situation["status"] == "resolved"
        assert len(await docs(uow, "deliveries")) == 2

    async def test_an_area_nobody_owns_goes_to_product_ops_saying_why(self, uow, context):
        await billing_team(uow)

        await insights.on_insights(uow, context, [detected(insight(area="payments"))])

        recipients = {d["recipient_id"] for d in await docs(uow, "deliveries")}
        assert recipients == {"ops-olga"}
        [email] = await docs(uow, "deliveries", channel="email")
        assert email["reasons"] == ["Product Ops fallback: nobody owns area payments"]

    async def test_a_pm_standing_in_for_the_other_pm_of_their_team_has_that_duty_said_once(
        self, uow, context
    ):
        await billing_team(uow, member("pm-hugo"), member("pm-julia", away_days=7, backup="pm-hugo"))

        await insights.on_insights(uow, context, [detected(insight())])

        [email] = await docs(uow, "deliveries", channel="email")
        duty = "PM of Team t-billing (t-billing), owner of area billing"
        assert email["reasons"][0] == duty
        assert email["reasons"][1].startswith("backup for pm-julia, away until")
        assert " ".join(email["reasons"]).count(duty) == 1

    async def test_the_dry_run_says_who_and_why_and_records_nothing(self, uow, context):
        await billing_team(uow)

        answer = await insights.dry_run(uow, context, insight(), NOW)

        assert answer["would_notify"] is True
        [ann] = answer["recipients"]
        assert ann["member_id"] == "pm-ann"
        assert [c["channel"] for c in ann["channels"]] == ["inbox", "email"]
        assert await docs(uow, "deliveries") == [] and uow.outbox == []


async def claimed_loop_message(uow, context) -> dict:
    """Sam's loop-closure message, as the dispatcher of replica r1 holds it while sending."""
    await projections.apply_feedback(uow, context, [ingested("fb-1", "Sam", "sam@example.com", "SSO")])
    await loops.on_shipped(uow, context, shipped("ini-1", ["fb-1"]))
    [message] = await docs(uow, "deliveries")
    claimed = {"status": "sending", "claimed_by": "r1"}
    await uow["deliveries"].update_one({"_id": message["_id"]}, {"$set": claimed})
    return {**message, **claimed}


class TestLoops:
    async def test_each_reporter_is_told_once_with_their_customers_words(self, uow, context):
        await projections.apply_feedback(
            uow,
            context,
            [
                ingested("fb-1", "Sam", "sam@example.com", "We need SSO", account="Acme"),
                ingested("fb-2", "Sam", "SAM@example.com", "SAML please", account="Globex"),
                ingested("fb-3", "Kim", None, "SSO would help"),
            ],
        )

        await loops.on_shipped(uow, context, shipped("ini-1", ["fb-1", "fb-2", "fb-3", "fb-9"]))

        [message] = await docs(uow, "deliveries")
        assert message["purpose"] == "loop_closure" and message["target"] == {"email": "sam@example.com"}
        assert message["feedback_ids"] == ["fb-1", "fb-2"]
        assert "We need SSO" in message["body"]["text"] and "SAML please" in message["body"]["text"]
        by_feedback = {loop["feedback_id"]: loop for loop in await docs(uow, "loops")}
        assert {fid: loop["status"] for fid, loop in by_feedback.items()} == {
            "fb-1": "pending",
            "fb-2": "pending",
            "fb-3": "not_closed",
            "fb-9": "not_closed",
        }
        assert by_feedback["fb-3"]["reason"] == "reporter has no email"
        assert by_feedback["fb-9"]["reason"] == "feedback unknown to the notifier"
        assert uow.outbox == []  # closed only once the message is delivered

    async def test_a_second_shipped_event_tells_nobody_again(self, uow, context):
        await projections.apply_feedback(uow, context, [ingested("fb-1", "Sam", "sam@example.com", "SSO")])
        await loops.on_shipped(uow, context, shipped("ini-1", ["fb-1"]))

        await loops.on_shipped(uow, context, shipped("ini-1", ["fb-1"]))

        assert len(await docs(uow, "deliveries")) == 1
        assert len(await docs(uow, "loops")) == 1

    async def test_a_delivered_message_closes_its_loops_and_says_so(self, uow, context):
        message = await claimed_loop_message(uow, context)

        assert await outcomes.delivered(uow, message, "r1", 1, NOW) is True

        [loop] = await docs(uow, "loops")
        assert loop["status"] == "closed"
        assert subjects(uow) == [NotificationDelivered.subject, NotificationLoopClosed.subject]
        assert await outcomes.delivered(uow, message, "r1", 1, NOW) is False  # recorded once

    async def test_a_finally_failed_message_leaves_its_loops_not_closed_and_a_dead_letter(self, uow, context):
        message = await claimed_loop_message(uow, context)

        await outcomes.failed(uow, message, "r1", 3, "HTTP 550: no such user", "DeliveryRefused", NOW)

        [loop] = await docs(uow, "loops")
        assert loop["status"] == "not_closed" and loop["reason"] == "message failed: HTTP 550: no such user"
        [failed] = await docs(uow, "deliveries")
        assert failed["status"] == "failed" and failed["dead_letter"]["published"] is False
        assert subjects(uow) == [NotificationFailed.subject]


class TestProjections:
    async def test_an_older_team_snapshot_is_ignored_and_a_deletion_removes_the_team(self, uow):
        await projections.apply_teams(
            uow, [team_created(team("t-billing", [member("pm-ann")], ["billing"], 2))]
        )
        await projections.apply_teams(
            uow, [team_created(team("t-billing", [member("pm-old")], ["billing"], 1))]
        )

        [held] = await docs(uow, "teams")
        assert held["version"] == 2 and held["state"]["members"][0]["member_id"] == "pm-ann"

        deleted = TeamDeleted.create(
            TeamDeletedData(team_id="t-billing", version=3, changed_by="ops"), source="x"
        )
        await projections.apply_teams(uow, [deleted])
        [held] = await docs(uow, "teams")
        assert held["deleted"] is True and held["state"] is None

    async def test_erased_feedback_is_forgotten_and_a_late_ingestion_does_not_bring_it_back(
        self, uow, context
    ):
        await projections.apply_feedback(uow, context, [ingested("fb-1", "Sam", "sam@example.com", "SSO")])
        erased = FeedbackErased.create(
            FeedbackErasedData(
                erasure_id="er-1", feedback_ids=["fb-1"], part=1, parts=1, reason="GDPR", requested_by="ops"
            ),
            source="feedback",
        )

        await projections.apply_feedback(uow, context, [erased])
        await projections.apply_feedback(
            uow, context, [ingested("fb-1", "Sam", "sam@example.com", "SSO", revision=2)]
        )

        [reporter] = await docs(uow, "reporters")
        assert reporter["erased"] is True and "email" not in reporter and "text" not in reporter


HOOK = "https://hooks.example.com/terrain"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW_SECRET = "whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVzLWF0LWxlYXN0"
RULES = """
product_ops_members: [m-ops]
endpoints:
  billing-alerts: {channel: slack, url: "https://hooks.slack.com/services/T/B/X"}
routes:
  - name: billing-critical
    when: {product_areas: [billing], min_severity: critical}
    endpoints: [billing-alerts]
"""


class TestRules:
    async def test_a_rules_file_is_applied_once(self, uow, context):
        parsed = rules_handlers.parse_text(RULES, [])

        assert await rules_handlers.apply_file(uow, parsed, "hash-1", NOW) == 1
        assert await rules_handlers.apply_file(uow, parsed, "hash-1", NOW) is None

        [record] = await docs(uow, "rules")
        assert record["source"] == "file" and record["rules"]["product_ops_members"] == ["m-ops"]

    async def test_rules_by_api_replace_the_live_rules_with_a_new_version(self, uow, context):
        await rules_handlers.apply_file(uow, rules_handlers.parse_text(RULES, []), "hash-1", NOW)

        version = await rules_handlers.replace(uow, context, parse_rules({}), "key:ops", 1)

        [record] = await docs(uow, "rules")
        assert version == 2 and record["updated_by"] == "key:ops" and record["rules"]["routes"] == []

    @pytest.mark.parametrize(("if_match", "status"), [(None, 428), (0, 412), (2, 412)])
    async def test_rules_by_api_need_the_live_version_in_if_match(self, uow, context, if_match, status):
        await rules_handlers.apply_file(uow, rules_handlers.parse_text(RULES, []), "hash-1", NOW)

        with pytest.raises(DomainError) as refused:
            await rules_handlers.replace(uow, context, parse_rules({}), "key:ops", if_match)

        assert refused.value.status == status
        [record] = await docs(uow, "rules")
        assert record["version"] == 1 and record["rules"]["product_ops_members"] == ["m-ops"]

    async def test_an_empty_rules_document_by_api_is_refused_unless_allowed(self):
        for body in (b"{}", b"routes: []", b"defaults: {channels: [inbox, email]}"):
            with pytest.raises(RulesError) as refused:
                rules_handlers.parse_body(body, [])
            assert (
                refused.value.errors[0].field == "(document)"
                and "allow_empty" in refused.value.errors[0].message
            )

        assert rules_handlers.parse_body(b"{}", [], allow_empty=True).routes == []

    async def test_a_masked_secret_sent_back_keeps_the_stored_one_and_a_new_one_replaces_it(self):
        stored = parse_rules({"endpoints": {"hook": {"channel": "webhook", "url": HOOK, "secret": SECRET}}})
        sent = b'endpoints: {hook: {channel: webhook, url: "%s", secret: "whsec_***"}}' % HOOK.encode()
        assert rules_handlers.parse_body(sent, [], stored=stored).endpoints["hook"].secret == SECRET
        replaced = sent.replace(b"whsec_***", NEW_SECRET.encode())
        assert rules_handlers.parse_body(replaced, [], stored=stored).endpoints["hook"].secret == NEW_SECRET
        renamed = sent.replace(b"{hook:", b"{other:")
        with pytest.raises(RulesError) as refused:
            rules_handlers.parse_body(renamed, [], stored=stored)
        assert refused.value.errors[0].field == "endpoints.other.secret"

    async def test_a_matching_route_sends_to_its_endpoint_at_once(self, uow, context):
        await billing_team(uow)
        await rules_handlers.apply_file(uow, rules_handlers.parse_text(RULES, []), "hash-1", NOW)

        await insights.on_insights(uow, context, [detected(insight(severity=Severity.critical))])

        [slack] = await docs(uow, "deliveries", channel="slack")
        assert slack["recipient_id"] == "billing-alerts" and slack["why"] == "team endpoint"
        assert slack["body"]["text"] == "[critical] Spike in billing"

    @pytest.mark.parametrize("body", [b"", b"null", b"\xff", b"routes: [unclosed"])
    async def test_an_empty_or_unreadable_rules_body_is_refused_naming_the_document(self, body):
        with pytest.raises(RulesError) as refused:
            rules_handlers.parse_body(body, [])
        assert refused.value.status == 422 and refused.value.errors[0].field == "(document)"

    async def test_endpoints_whose_hosts_are_refused_are_invalid(self, clock):
        refusing = Context(NotifierSettings(), check_hosts=refuse_all, clock=clock)

        with pytest.raises(RulesError) as refused:
            await rules_handlers.validate(refusing, rules_handlers.parse_text(RULES, []))

        assert [e.field for e in refused.value.errors] == ["endpoints.billing-alerts.url"]
