"""Reporters following their feedback on the real servers: a rep opts in with their own key, hears of
each step they chose once (even when an event is stored twice on the stream), a member hears of the
commitment by default, and the customer who wrote to the help desk reads only the customer text, once,
at ship."""

import pytest
from terrain_contracts import streams
from terrain_contracts.events.feedback import ReporterRole
from terrain_contracts.events.initiative import InitiativeStatus
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import at_least, feed, no_pending, put_current, value
from .factories import linked, member, moved, reported, shipped, team, team_created
from .receivers import text_of

pytestmark = pytest.mark.integration

SAM = "sam@ourcompany.com"
CUSTOMER_MUST_NOT_READ = ["SAML single sign-on", "ini-sso", "Acme", "let them know", "/v1/", "2026-Q4"]


async def followups_settled(jetstream) -> bool:
    return await consumer_settled(jetstream, streams.INITIATIVES, "notifier-followups")


async def test_each_reporter_hears_of_the_steps_they_chose_once_in_their_own_text(
    notifier, jetstream, smtp_receiver
):
    await feed(jetstream, team_created(team("t-billing", [member("pm-ann")], ["billing"])))
    await feed(
        jetstream,
        reported("fb-rep", SAM, text="Acme needs SAML before renewal"),
        reported("fb-desk", "jane@acme.io", name="Jane", role=ReporterRole.customer, source="zendesk"),
        reported("fb-ann", None, name="Ann", role=ReporterRole.other, member_id="pm-ann"),
    )
    sam_key = await notifier.api_key("sales", member_id=SAM)
    chosen = await put_current(
        notifier.http,
        f"/v1/members/{SAM}/preferences",
        headers={"X-API-Key": sam_key},
        json={"feedback_steps": ["in_progress", "shipped"]},
    )
    assert chosen.status_code == 200, chosen.text

    committed = moved("ini-sso", InitiativeStatus.committed, InitiativeStatus.aligned)
    started = moved("ini-sso", InitiativeStatus.in_progress, InitiativeStatus.committed)
    await publish(
        jetstream, *(linked("ini-sso", f) for f in ("fb-rep", "fb-desk", "fb-ann")), committed, started
    )
    # The commitment stored a second time (another Nats-Msg-Id): the consumer sees it again.
    await jetstream.publish(
        committed.subject, committed.to_json(), stream=streams.INITIATIVES, headers={MSG_ID: "again"}
    )
    await eventually(lambda: followups_settled(jetstream), what="notifier-followups settled")
    await feed(jetstream, shipped("ini-sso", ["fb-rep", "fb-desk", "fb-ann"]))

    await eventually(lambda: at_least(value(smtp_receiver.all()), 5), what="five emails", timeout=20)
    await eventually(lambda: no_pending(notifier), what="nothing left to send")
    subjects = sorted((m["X-Envelope-To"], m["Subject"]) for m in smtp_receiver.all())
    assert subjects == [
        ("jane@acme.io", "Shipped: an improvement you asked for"),
        ("pm-ann@example.com", "Committed: SAML single sign-on"),
        ("pm-ann@example.com", "Shipped: SAML single sign-on"),
        (SAM, "In progress: SAML single sign-on"),
        (SAM, "Shipped: SAML single sign-on"),
    ]
    [jane] = smtp_receiver.to("jane@acme.io")
    assert [leak for leak in CUSTOMER_MUST_NOT_READ if leak in text_of(jane)] == []
    [_, sam_shipped] = sorted(smtp_receiver.to(SAM), key=lambda m: m["Subject"])
    assert "Acme needs SAML before renewal" in text_of(sam_shipped)
    assert "/v1/feedback/mine" in text_of(sam_shipped)
    listed = await notifier.http.get("/v1/deliveries", params={"step": "committed"})
    assert [d["target"]["email"] for d in listed.json()["items"]] == ["pm-ann@example.com"]
