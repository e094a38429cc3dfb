"""Closing the loop: on initiative.shipped, each reporter hears once, with their customers' own words."""

import pytest
from terrain_contracts import streams, subjects
from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData
from terrain_contracts.events.notification import NotificationLoopClosed
from terrain_dev.probes import stored_messages
from terrain_dev.waiting import eventually

from .conftest import at_least, feed, no_pending, value
from .factories import ingested, shipped
from .receivers import text_of

pytestmark = pytest.mark.integration


async def loops_closed(jetstream) -> list[NotificationLoopClosed]:
    return [
        NotificationLoopClosed.parse(m.data)
        for m in await stored_messages(jetstream, streams.NOTIFICATIONS, subjects.NOTIFICATION_LOOP_CLOSED)
    ]


def reported() -> list:
    """Four items from three reporters (one without email); Sam's first item later edited in the source."""
    return [
        ingested("fb-1", "Sam Rivera", "sam@sales.example.com", "Acme needs SAML before renewal", "Acme"),
        ingested("fb-2", "Sam Rivera", "sam@sales.example.com", "Globex asks for Okta SSO", "Globex"),
        ingested("fb-3", "Alex Field", None, "Initech wants SSO", "Initech"),
        ingested("fb-4", "Kim Lee", "kim@cs.example.com", "Umbrella: SSO is a blocker", "Umbrella"),
        ingested(
            "fb-1",
            "Sam Rivera",
            "sam@sales.example.com",
            "Acme needs SAML SSO before renewal",
            "Acme",
            revision=2,
        ),
    ]


async def test_shipping_notifies_each_reporter_once_with_their_customers_words(
    notifier, jetstream, smtp_receiver
):
    await feed(jetstream, *reported())

    await feed(jetstream, shipped("init-sso", ["fb-1", "fb-2", "fb-3", "fb-4", "fb-unknown"]))

    closed = await eventually(lambda: at_least(loops_closed(jetstream), 3), what="three loops closed")
    [sam] = smtp_receiver.to("sam@sales.example.com")
    [kim] = smtp_receiver.to("kim@cs.example.com")
    assert len(smtp_receiver.all()) == 2
    assert sam["Subject"] == "Shipped: SAML single sign-on"
    body = text_of(sam)
    assert "SAML SSO is available on every Enterprise plan." in body
    assert "\u201cAcme needs SAML SSO before renewal\u201d" in body  # the latest revision's words
    assert "\u201cGlobex asks for Okta SSO\u201d" in body
    assert "Umbrella" not in body and "Initech" not in body
    assert "\u201cUmbrella: SSO is a blocker\u201d" in text_of(kim)
    assert sorted(e.data.feedback_id for e in closed) == ["fb-1", "fb-2", "fb-4"]
    assert {e.data.owner_team_id for e in closed} == {"t-billing"}

    rates = (await notifier.http.get("/v1/loop-closure")).json()
    # fb-3's reporter has no email and fb-unknown is unknown here: both count as not closed.
    assert rates["overall"] == {"closed": 3, "not_closed": 2, "pending": 0, "rate": 0.6}
    assert rates["teams"] == [
        {"team_id": "t-billing", "closed": 3, "not_closed": 2, "pending": 0, "rate": 0.6}
    ]
    by_reporter = {r["reporter"]: r["rate"] for r in rates["reporters"]}
    assert by_reporter == {
        "sam@sales.example.com": 1.0,
        "kim@cs.example.com": 1.0,
        "name:Alex Field": 0.0,
        "unknown": 0.0,
    }
    await eventually(
        lambda: _metric(notifier, 'terrain_notifier_loop_closure_rate{team="t-billing"} 0.6'),
        what="the rate exposed as a metric",
    )


async def test_a_second_shipped_event_notifies_no_one_again(notifier, jetstream, smtp_receiver):
    await feed(jetstream, ingested("fb-1", "Sam Rivera", "sam@sales.example.com", "Acme needs SAML", "Acme"))
    await feed(jetstream, shipped("init-sso", ["fb-1"]))
    await eventually(lambda: at_least(loops_closed(jetstream), 1), what="loop closed")

    await feed(jetstream, shipped("init-sso", ["fb-1"]))  # the same initiative shipped again (a new event id)
    await eventually(lambda: no_pending(notifier), what="nothing left to send")

    assert len(smtp_receiver.all()) == 1
    assert len(await loops_closed(jetstream)) == 1


async def test_erased_feedback_is_left_out_of_the_message(notifier, jetstream, smtp_receiver):
    await feed(
        jetstream,
        ingested("fb-1", "Sam Rivera", "sam@sales.example.com", "Acme needs SAML", "Acme"),
        ingested("fb-2", "Sam Rivera", "sam@sales.example.com", "Hooli secret plans for SSO", "Hooli"),
    )
    await feed(
        jetstream,
        FeedbackErased.create(
            FeedbackErasedData(
                erasure_id="er-1",
                feedback_ids=["fb-2"],
                part=1,
                parts=1,
                reason="GDPR request",
                requested_by="dpo",
            ),
            source="feedback",
        ),
    )
    await feed(jetstream, shipped("init-sso", ["fb-1", "fb-2"]))

    [sam] = await eventually(lambda: value(smtp_receiver.all()), what="an email")
    assert "Hooli" not in text_of(sam)
    assert (await notifier.db["reporters"].find_one({"_id": "fb-2"})).get("text") is None
    rates = (await notifier.http.get("/v1/loop-closure")).json()
    assert rates["overall"]["not_closed"] == 1

    # Erased after the message went out: the copy the notifier keeps loses the customer's words too.
    await eventually(lambda: no_pending(notifier), what="message settled")
    await feed(
        jetstream,
        FeedbackErased.create(
            FeedbackErasedData(
                erasure_id="er-2",
                feedback_ids=["fb-1"],
                part=1,
                parts=1,
                reason="GDPR request",
                requested_by="dpo",
            ),
            source="feedback",
        ),
    )
    [kept] = await notifier.db["deliveries"].find({"purpose": "loop_closure"}).to_list(None)
    assert "Acme" not in str(kept["body"])


async def _metric(notifier, line: str) -> bool:
    return line in (await notifier.http.get("/metrics")).text
