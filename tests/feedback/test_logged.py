"""Feedback logged by hand (API, Slack, email) and "my feedback", on the real nats-server and Mongo-wire
server: idempotent client keys, the reporter from the identity, refusals naming the field, reps kept to
their own items, the Slack signature, quoted history stripped from mail."""

import asyncio
import json
import smtplib
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from terrain_contracts import Role, streams
from terrain_contracts.events.feedback import FeedbackIngested
from terrain_contracts.events.initiative import (
    FeedbackLinkedData,
    InitiativeFeedbackLinked,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
)
from terrain_dev.probes import stored_messages
from terrain_dev.servers import free_port
from terrain_dev.testing import publish, running
from terrain_dev.waiting import eventually
from terrain_feedback.main import create
from terrain_feedback.settings import MailboxSettings, SlackSettings
from terrain_kit.identity import Issuer
from terrain_kit.settings import IdentitySettings

from .signing import SLACK_SECRET, slack_headers
from .test_capture_fast import briefing, classified

pytestmark = pytest.mark.integration

SAM, LEE = "sam@ourcompany.com", "lee@ourcompany.com"


class Receiver:
    """Stands in for Slack's response_url: records every POST, on a loopback port."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.posts.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


ISSUER = Issuer.generate()


@pytest.fixture
async def feedback(feedback_settings, receiver):
    settings = feedback_settings.model_copy(
        update={
            "identity": IdentitySettings(public_keys=[ISSUER.public_pem()]),
            "slack": SlackSettings(
                signing_secrets=[SLACK_SECRET], users={"U-SAM": SAM}, response_url_prefixes=[receiver.url]
            ),
            "mailbox": MailboxSettings(enabled=True, port=free_port(), sender_domains=["ourcompany.com"]),
        }
    )
    async with running(create(settings)) as service:
        yield service


async def as_member(feedback, role: str, member: str) -> dict[str, str]:
    return {"X-API-Key": await feedback.api_key(role, member)}


def note(text: str = "Call with Acme: they need SAML SSO before the March renewal", **extra: Any) -> dict:
    return {"account_id": "acc-acme", "text": text, **extra}


async def test_the_same_client_key_twice_is_one_item(feedback, jetstream):
    sam = await as_member(feedback, "sales", SAM)
    first = await feedback.http.post(
        "/v1/feedback", json=note(), headers={**sam, "Idempotency-Key": "call-1"}
    )
    again = await feedback.http.post(
        "/v1/feedback", json=note("edited"), headers={**sam, "Idempotency-Key": "call-1"}
    )
    by_field = await feedback.http.post("/v1/feedback", json=note(client_key="call-1"), headers=sam)
    other = await feedback.http.post("/v1/feedback", json=note(client_key="call-2"), headers=sam)

    assert (first.status_code, again.status_code, by_field.status_code, other.status_code) == (
        201,
        200,
        200,
        201,
    )
    assert first.json()["feedback_id"] == again.json()["feedback_id"] == by_field.json()["feedback_id"]
    assert other.json()["feedback_id"] != first.json()["feedback_id"]
    ingested = await eventually(lambda: _ingested(jetstream, 2), what="two feedback.ingested published")
    assert sorted(e.data.feedback_id for e in ingested) == sorted(
        [first.json()["feedback_id"], other.json()["feedback_id"]]
    )
    item = (await feedback.http.get(f"/v1/feedback/{first.json()['feedback_id']}", headers=sam)).json()
    assert item["text"].startswith("Call with Acme") and item["channel"] == "api"


async def _ingested(jetstream, count: int) -> list[FeedbackIngested] | None:
    found = await stored_messages(jetstream, streams.FEEDBACK, FeedbackIngested.subject)
    return [FeedbackIngested.parse(m.data) for m in found] if len(found) >= count else None


async def test_a_reps_identity_token_logs_and_reads_their_feedback(feedback):
    # What ``./terrain token --role cs --member lee@ourcompany.com --name "Lee Wong"`` signs.
    token = ISSUER.issue(subject=LEE, name="Lee Wong", role=Role.cs, member_id=LEE)
    lee = {"Authorization": f"Bearer {token}", "X-API-Key": ""}  # (the test client sends the admin key)

    logged = await feedback.http.post("/v1/feedback", json=note(), headers=lee)
    mine = (await feedback.http.get("/v1/feedback/mine", headers=lee)).json()["items"]

    assert logged.status_code == 201, logged.text
    assert [(i["feedback_id"], i["reporter"]["name"], i["reporter"]["role"]) for i in mine] == [
        (logged.json()["feedback_id"], "Lee Wong", "csm")
    ]


async def test_the_reporter_is_the_identity_never_the_body(feedback):
    sam = await as_member(feedback, "sales", SAM)
    forged = note(reporter={"name": "Someone Else", "email": "ceo@ourcompany.com", "role": "sales_rep"})

    refused = await feedback.http.post("/v1/feedback", json=forged, headers=sam)
    stored = await feedback.http.post("/v1/feedback", json=note(initiative_id="ini-sso"), headers=sam)

    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["body.reporter"]
    item = (await feedback.http.get(f"/v1/feedback/{stored.json()['feedback_id']}", headers=sam)).json()
    assert item["reporter"] == {
        "name": "sales for tests",
        "email": SAM,
        "role": "sales_rep",
        "member_id": SAM,
    }
    assert item["kind"] == "field" and item["proposed_initiative_id"] == "ini-sso"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "no customer"}, "account_id"),
        ({"customer_email": "not-an-email", "text": "x"}, "customer_email"),
        ({"account_id": "acc-acme", "text": ""}, "text"),
        ({"account_id": "acc-acme", "text": " \u200b\t "}, "text"),
        ({"account_id": "acc-acme", "text": "x", "occurred_at": "2026-11-20T09:00:00"}, "occurred_at"),
        ({"account_id": "acc-acme", "text": "x", "client_key": "no spaces please"}, "client_key"),
    ],
)
async def test_bad_values_are_refused_naming_the_field(feedback, body, field):
    sam = await as_member(feedback, "cs", SAM)
    response = await feedback.http.post("/v1/feedback", json=body, headers=sam)
    assert response.status_code == 422, response.text
    assert f"body.{field}" in [e["field"] for e in response.json()["errors"]], response.text


async def test_an_oversize_body_is_refused_and_a_viewer_may_not_log(feedback):
    sam = await as_member(feedback, "sales", SAM)
    viewer = await as_member(feedback, "viewer", "vic")
    huge = await feedback.http.post("/v1/feedback", json=note("x" * 2_000_000), headers=sam)
    forbidden = await feedback.http.post("/v1/feedback", json=note(), headers=viewer)
    assert huge.status_code == 413 and forbidden.status_code == 403


async def test_a_rep_reads_their_own_items_and_their_accounts_only(feedback):
    sam, lee = await as_member(feedback, "sales", SAM), await as_member(feedback, "cs", LEE)
    put = await feedback.http.put(
        "/v1/accounts/acc-globex", json={"account_id": "acc-globex", "name": "Globex", "owner_rep_email": SAM}
    )
    assert put.status_code in (200, 201), put.text
    sams = (await feedback.http.post("/v1/feedback", json=note(), headers=sam)).json()["feedback_id"]
    lees = await feedback.http.post(
        "/v1/feedback", json=note("Dark mode", account_id="acc-initech"), headers=lee
    )
    on_globex = await feedback.http.post(
        "/v1/feedback", json=note("Globex asks for exports", account_id="acc-globex"), headers=lee
    )
    lees_id, globex_id = lees.json()["feedback_id"], on_globex.json()["feedback_id"]

    assert (await feedback.http.get(f"/v1/feedback/{sams}", headers=lee)).status_code == 404
    listed_by_lee = (await feedback.http.get("/v1/feedback", headers=lee)).json()["items"]
    assert {i["feedback_id"] for i in listed_by_lee} == {lees_id, globex_id}
    listed_by_sam = (await feedback.http.get("/v1/feedback", headers=sam)).json()["items"]
    assert {i["feedback_id"] for i in listed_by_sam} == {sams, globex_id}  # hers, and the account he covers
    mine = (await feedback.http.get("/v1/feedback/mine", headers=sam)).json()["items"]
    assert [i["feedback_id"] for i in mine] == [sams]
    accounts = (await feedback.http.get("/v1/accounts", headers=lee)).json()["items"]
    assert (
        accounts == []
        and (await feedback.http.get("/v1/accounts/acc-globex", headers=lee)).status_code == 404
    )


async def test_my_feedback_shows_its_theme_and_the_initiative_where_it_stands(feedback, jetstream):
    sam = await as_member(feedback, "sales", SAM)
    fid = (await feedback.http.post("/v1/feedback", json=note(), headers=sam)).json()["feedback_id"]
    change = InitiativeStatusChangedData.model_validate(
        {
            "initiative": briefing("committed", 4),
            "from_status": "aligned",
            "to_status": "committed",
            "changed_by": "p",
        }
    )
    link = FeedbackLinkedData(
        initiative_id="ini-sso", owner_team_id="team-identity", feedback_id=fid, linked_by="Priya"
    )
    linked = InitiativeFeedbackLinked.create(link, source="initiatives")
    await publish(
        jetstream,
        classified(fid, 1, "sso"),
        linked,
        InitiativeStatusChanged.create(change, source="initiatives"),
    )

    async def followed() -> dict | None:
        [item] = (await feedback.http.get("/v1/feedback/mine", headers=sam)).json()["items"]
        done = item["theme"] and item["initiatives"] and item["initiatives"][0]["status"]
        return item if done else None

    item = await eventually(followed, what="theme and initiative status in my feedback")
    assert item["theme"]["theme"] == "sso"
    assert item["initiatives"] == [
        {
            "initiative_id": "ini-sso",
            "title": "SAML single sign-on",
            "status": "committed",
            "quarter": "2026-Q4",
            "reason": None,
        }
    ]


def shortcut(ts: str, receiver: Receiver) -> bytes:
    payload = {
        "type": "message_action",
        "callback_id": "log_feedback",
        "team": {"id": "T1"},
        "channel": {"id": "C-DEALS"},
        "user": {"id": "U-SAM", "name": "sam"},
        "message": {"text": "Initech: &lt;urgent&gt; they want audit logs exported to Splunk", "ts": ts},
        "response_url": f"{receiver.url}/actions/1",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize("tamper", ["unsigned", "wrong secret", "stale"])
async def test_a_slack_request_unsigned_forged_or_stale_is_401(feedback, receiver, tamper):
    body = shortcut("1700000000.000100", receiver)
    headers = slack_headers(
        body,
        "not-the-secret" if tamper == "wrong secret" else SLACK_SECRET,
        age=301 if tamper == "stale" else 0,
    )
    if tamper == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await feedback.http.post("/v1/slack/capture", content=body, headers=headers)
    assert response.status_code == 401
    assert (await feedback.http.get("/v1/feedback")).json()["items"] == []


async def test_a_slack_message_becomes_feedback_answered_in_its_thread(feedback, receiver):
    body = shortcut("1700000000.000200", receiver)
    first = await feedback.http.post("/v1/slack/capture", content=body, headers=slack_headers(body))
    again = await feedback.http.post("/v1/slack/capture", content=body, headers=slack_headers(body))

    assert first.status_code == again.status_code == 200
    fid = first.json()["feedback_id"]
    assert again.json()["feedback_id"] == fid

    async def answered_twice() -> bool:
        return len(receiver.posts) == 2

    await eventually(answered_twice, what="two answers in the thread")
    assert [p["thread_ts"] for p in receiver.posts] == ["1700000000.000200"] * 2
    assert fid in receiver.posts[0]["text"] and receiver.posts[1]["text"].startswith("Already logged")
    item = (await feedback.http.get(f"/v1/feedback/{fid}")).json()
    assert item["text"] == "Initech: <urgent> they want audit logs exported to Splunk"
    assert item["reporter"]["email"] == SAM and item["source"] == "slack"


def send_mail(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def mail(sender: str, to: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Sam Rivera <{sender}>", to, "Re: Exports"
    message["Message-ID"] = "<call-42@ourcompany.com>"
    message.set_content(body)
    return message


async def test_a_mail_to_the_mailbox_becomes_feedback_without_its_quoted_history(feedback):
    port = feedback.service.settings.mailbox.port
    body = (
        "Acme's exports to Excel still time out past 50k rows.\n\n"
        "-- \nSam Rivera, Account Executive\n\n"
        "On Mon, 2 Nov 2026 at 09:00, Jane <jane@acme.io> wrote:\n> exports time out"
    )
    await asyncio.to_thread(send_mail, port, mail(SAM, "feedback+acme.io@terrain.local", body))
    with pytest.raises(smtplib.SMTPDataError):
        await asyncio.to_thread(send_mail, port, mail("eve@elsewhere.com", "feedback@terrain.local", "spam"))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await asyncio.to_thread(send_mail, port, mail(SAM, "someone@terrain.local", "wrong box"))

    [item] = (await feedback.http.get("/v1/feedback")).json()["items"]
    assert item["text"] == "Exports\n\nAcme's exports to Excel still time out past 50k rows."
    assert item["reporter"]["email"] == SAM and item["customer"]["domain"] == "acme.io"
