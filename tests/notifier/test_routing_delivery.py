"""An insight reaches exactly its routed recipients, over a real SMTP server and a real HTTP server."""

import pytest
from standardwebhooks import Webhook
from terrain_contracts import streams, subjects
from terrain_contracts.events.insight import Severity
from terrain_contracts.events.notification import NotificationDelivered
from terrain_contracts.events.team import MemberRole
from terrain_dev.probes import stored_messages
from terrain_dev.testing import running
from terrain_dev.waiting import eventually
from terrain_notifier.main import create

from .conftest import at_least, feed, no_pending, put_current, value
from .factories import detected, insight, member, team, team_created, updated
from .receivers import text_of

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def billing_org(notifier, jetstream, http_receiver) -> None:
    """Billing owned by pm-ann and pm-bob (Bob on Slack and the inbox); an engineer; Product Ops elsewhere."""
    await feed(
        jetstream,
        team_created(
            team(
                "t-billing",
                [member("pm-ann"), member("pm-bob"), member("eng-eve", MemberRole.engineer)],
                ["billing"],
            )
        ),
        team_created(team("t-ops", [member("ops-olga", MemberRole.product_ops)], [])),
    )
    response = await put_current(
        notifier.http,
        "/v1/members/pm-bob/preferences",
        json={"channels": ["slack", "inbox"], "slack_url": http_receiver.url("/slack/bob")},
    )
    assert response.status_code == 200, response.text
    rules = {
        "endpoints": {
            "billing-hook": {
                "channel": "webhook",
                "url": http_receiver.url("/hooks/billing"),
                "secret": SECRET,
            }
        },
        "routes": [
            {"name": "billing-to-hook", "when": {"product_areas": ["billing"]}, "endpoints": ["billing-hook"]}
        ],
    }
    response = await put_current(notifier.http, "/v1/rules", json=rules)
    assert response.status_code == 200, response.text


async def delivered_events(jetstream) -> list[NotificationDelivered]:
    return [
        NotificationDelivered.parse(m.data)
        for m in await stored_messages(jetstream, streams.NOTIFICATIONS, subjects.NOTIFICATION_DELIVERED)
    ]


async def test_an_insight_reaches_exactly_the_routed_recipients_on_their_channels(
    notifier, jetstream, http_receiver, smtp_receiver
):
    await billing_org(notifier, jetstream, http_receiver)

    event = detected(insight("ins-1", area="billing"))
    await feed(jetstream, event)

    [mail] = await eventually(lambda: value(smtp_receiver.all()), what="an email")
    [slack] = await eventually(lambda: value(http_receiver.at("/slack/bob")), what="a Slack message")
    [hook] = await eventually(lambda: value(http_receiver.at("/hooks/billing")), what="a webhook call")
    assert mail["X-Envelope-To"] == "pm-ann@example.com"
    assert mail["Subject"] == "[warning] Spike in billing"
    assert "PM of Team t-billing (t-billing), owner of area billing" in text_of(mail)
    assert slack.json()["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "[warning] Spike in billing"},
    }
    payload = Webhook(SECRET).verify(hook.body, hook.headers)  # the reference implementation of the spec
    assert payload["insight"]["insight_id"] == "ins-1"
    assert payload["reasons"] == ["rule billing-to-hook (areas=billing severity>=info)"]
    assert hook.headers["webhook-id"] == payload["notification_id"]

    inbox = {
        m: (
            await notifier.http.get("/v1/inbox", headers={"X-API-Key": await notifier.api_key("pm", m)})
        ).json()
        for m in ("pm-ann", "pm-bob", "eng-eve", "ops-olga")
    }
    assert [len(inbox[m]["items"]) for m in ("pm-ann", "pm-bob", "eng-eve", "ops-olga")] == [1, 1, 0, 0]
    # Every delivery recorded and announced: Ann email+inbox, Bob Slack+inbox, the rule's webhook.
    events = await eventually(lambda: at_least(delivered_events(jetstream), 5), what="5 deliveries announced")
    assert sorted((e.data.recipient_id, e.data.channel.value) for e in events) == [
        ("billing-hook", "webhook"),
        ("pm-ann", "email"),
        ("pm-ann", "inbox"),
        ("pm-bob", "inbox"),
        ("pm-bob", "slack"),
    ]
    assert len(smtp_receiver.all()) == 1 and len(http_receiver.requests) == 2
    # Sent later by the dispatcher, they still belong to the insight's flow and trace.
    assert {(e.correlation_id, e.causation_id) for e in events} == {(event.correlation_id, event.id)}
    traces = {
        m.headers.get("traceparent", "").split("-")[1:2][0]
        for m in await stored_messages(jetstream, streams.NOTIFICATIONS, subjects.NOTIFICATION_DELIVERED)
    }
    assert len(traces) == 1


async def test_a_repeat_of_the_same_dedup_key_notifies_no_one_again_unless_severity_rises(
    notifier, jetstream, http_receiver, smtp_receiver
):
    await billing_org(notifier, jetstream, http_receiver)
    await feed(jetstream, detected(insight("ins-1", version=1)))
    await eventually(lambda: at_least(delivered_events(jetstream), 5), what="first notification delivered")

    # The same situation again: a newer version, and a brand-new insight id under the same dedup key.
    await feed(jetstream, updated(insight("ins-1", version=2)), detected(insight("ins-9", version=1)))
    await eventually(lambda: no_pending(notifier), what="nothing left to send")
    assert len(smtp_receiver.all()) == 1
    assert len(http_receiver.requests) == 2
    assert len(await delivered_events(jetstream)) == 5

    # Our choice: a rise in severity is news, so the same situation notifies again, once.
    await feed(jetstream, updated(insight("ins-1", version=3, severity=Severity.critical)))
    await eventually(lambda: value(len(smtp_receiver.all()) == 2), what="second email")
    assert smtp_receiver.all()[1]["Subject"] == "[critical] Spike in billing"
    await eventually(lambda: at_least(delivered_events(jetstream), 10), what="second round delivered")


async def test_an_away_pm_is_replaced_by_their_backup(notifier, jetstream, smtp_receiver):
    await feed(
        jetstream,
        team_created(
            team(
                "t-billing",
                [member("pm-ann", away_days=3, backup="pm-cat"), member("pm-cat", MemberRole.designer)],
                ["billing"],
            )
        ),
    )

    await feed(jetstream, detected(insight("ins-1")))

    [mail] = await eventually(lambda: value(smtp_receiver.all()), what="an email")
    assert mail["X-Envelope-To"] == "pm-cat@example.com"
    assert "backup for pm-ann, away until" in text_of(mail)


async def test_a_recorded_delivery_is_sent_at_once_not_after_the_dispatchers_poll_interval(
    notifier_settings, jetstream, http_receiver, smtp_receiver
):
    # The consumer wakes the dispatcher once its transaction committed: a look before the commit would find
    # nothing and the delivery would wait for the next poll, a minute here.
    settings = notifier_settings.model_copy(
        update={"dispatch": notifier_settings.dispatch.model_copy(update={"poll_seconds": 60.0})}
    )
    async with running(create(settings)) as notifier:
        await billing_org(notifier, jetstream, http_receiver)
        await feed(jetstream, detected(insight("ins-9", area="billing")))

        await eventually(lambda: value(smtp_receiver.all()), what="the email, well before a poll", timeout=10)
        await eventually(lambda: value(http_receiver.at("/hooks/billing")), what="the webhook", timeout=10)
