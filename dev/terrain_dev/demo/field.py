"""The week in the field: Sales and CS tools send what they hear, by events and by signed webhooks, a
rep logs a call note by hand (POST /v1/feedback, as the rep, retried with the same key: stored once), and
another captures a customer's Slack message with the company's Slack app (signed like Slack signs it; the
answer comes back in the message's thread).

Normal traffic, a ticket copied into the CRM (a near-duplicate), malformed input, a spike on one
theme from large accounts, demand no initiative covers, and a large account about to churn.
"""

import asyncio
import hashlib
import hmac
import json
import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from nats.js import JetStreamContext
from terrain_contracts.events.feedback import FeedbackKind, FeedbackSubmitted
from terrain_contracts.headers import MSG_ID

from ..testing import publish
from ..webhook_signing import sign
from . import org
from .client import Refused, Services
from .observer import Observer
from .seed import corpus, submission

SECRETS = {"zendesk": "demo-zendesk-secret", "intercom": "demo-intercom-secret"}
SLACK_SECRET = "demo-slack-signing-secret"


def slack_user(rep: org.Reporter) -> str:
    """A rep's Slack user id in the demo's workspace (the feedback service maps it to their member id)."""
    return "U" + hashlib.sha256(rep.email.encode()).hexdigest()[:8].upper()


def slack_users() -> dict[str, str]:
    return {slack_user(account.owner): account.owner.email for account in org.ACCOUNTS}


SPIKE_THEME, UNOWNED_THEME = "data-export", "sso"
SSO_WORDS = re.compile(r"\b(SSO|SAML|single sign-on|authentification unique)\b", re.IGNORECASE)


@dataclass
class Field:
    services: Services
    js: JetStreamContext
    observer: Observer
    rng: random.Random
    pace: float  # seconds between items: readable in the terminal, 0 in the shortened run
    slack_thread: str | None = None  # where the Slack app's answer goes (the local "Slack"); None: no capture
    exports_initiative_id: str | None = None  # the rep's call note says it answers this initiative

    def __post_init__(self) -> None:
        self.items = corpus()
        self.counter = 0

    def _external_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:04d}"

    async def event(
        self,
        theme: str | None,
        account: org.Account,
        kind: FeedbackKind,
        text: str | None = None,
        source: str | None = None,
    ) -> FeedbackSubmitted:
        event = submission(
            self.rng.choice(self.items[theme]),
            account,
            kind,
            datetime.now(UTC),
            self._external_id("live"),
            source=source,
            text=text,
        )
        self.observer.submitted(str(event.correlation_id))
        await publish(self.js, event)
        await asyncio.sleep(self.pace)
        return event

    async def zendesk(
        self, account: org.Account, subject: str, description: str | None, signed: bool = True
    ) -> tuple[int, str]:
        ticket = {
            "id": self._external_id("zd"),
            "subject": subject,
            "created_at": datetime.now(UTC).isoformat(),
            "url": f"https://{account.domain.split('.')[0]}.zendesk.com/agent/tickets/{self.counter}",
            "requester": {"name": f"Contact at {account.name}", "email": f"contact@{account.domain}"},
            "organization": {"name": account.name, "external_id": account.account_id},
        }
        if description is not None:
            ticket["description"] = description
        return await self._post("zendesk", {"ticket": ticket}, signed)

    async def intercom(self, account: org.Account, body: str) -> tuple[int, str]:
        author = {
            "type": "user",
            "id": uuid.uuid4().hex[:12],
            "name": f"User at {account.name}",
            "email": f"user@{account.domain}",
        }
        payload = {
            "type": "notification_event",
            "topic": "conversation.user.created",
            "data": {
                "item": {
                    "type": "conversation",
                    "id": self._external_id("ic"),
                    "created_at": int(datetime.now(UTC).timestamp()),
                    "source": {"subject": "", "body": f"<p>{body}</p>", "author": author},
                }
            },
        }
        return await self._post("intercom", payload, True)

    async def _post(self, vendor: str, payload: dict, signed: bool) -> tuple[int, str]:
        body = json.dumps(payload).encode()
        correlation = f"demo-{uuid.uuid4().hex[:12]}"
        headers = {"Content-Type": "application/json", "X-Correlation-Id": correlation}
        if signed:
            headers |= sign(vendor, body, SECRETS[vendor])
        self.observer.submitted(correlation)
        response = await self.services.raw(
            "feedback", "POST", f"/v1/webhooks/{vendor}", None, content=body, headers=headers
        )
        await asyncio.sleep(self.pace)
        return response.status_code, response.text

    async def call_note(self, account: org.Account, text: str) -> tuple[int, int]:
        """The account's rep logs a call note by hand, as themselves; the app retries it: stored once."""
        rep = account.owner
        role = "cs" if rep.role in ("csm", "support_agent") else "sales"
        # The rep's own key: named as them (the reporter's name), their member id is their work email.
        created = await self.services.call(
            "feedback",
            "POST",
            "/v1/api-keys",
            self.services.admin_key,
            json={"name": rep.name, "role": role, "member_id": rep.email},
        )
        key = created["key"]
        correlation = f"demo-{uuid.uuid4().hex[:12]}"
        headers = {"X-Correlation-Id": correlation, "Idempotency-Key": self._external_id("call")}
        note = {"account_id": account.account_id, "text": f"Call notes: {text}"}
        if self.exports_initiative_id is not None:  # the rep knows the initiative: its PM gets a suggestion
            note["initiative_id"] = self.exports_initiative_id
        self.observer.submitted(correlation)
        statuses = []
        for _ in range(2):  # the second is the app's retry after a dropped answer: 200, the same item
            response = await self.services.raw(
                "feedback", "POST", "/v1/feedback", key, json=note, headers=headers
            )
            statuses.append(response.status_code)
            if response.status_code in (200, 201):
                self.observer.by_hand.append(response.json()["feedback_id"])
        if statuses != [201, 200]:
            raise Refused(f"a call note logged by hand, then retried: HTTP {statuses}, expected [201, 200]")
        await asyncio.sleep(self.pace)
        return statuses[0], statuses[1]

    async def slack_capture(self, account: org.Account, text: str) -> str:
        """A rep runs the "Log as feedback" shortcut on a customer's words posted in a deal channel."""
        ts = f"{time.time():.6f}"
        payload = {
            "type": "message_action",
            "callback_id": "log_feedback",
            "team": {"id": "T-DEMO"},
            "channel": {"id": "C-DEALS"},
            "user": {"id": slack_user(account.owner), "name": account.owner.name},
            "message": {"text": f"{account.name}: {text}", "ts": ts},
            "response_url": self.slack_thread,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        stamp = str(int(time.time()))
        digest = hmac.new(SLACK_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
        headers = {
            "X-Slack-Signature": f"v0={digest.hexdigest()}",
            "X-Slack-Request-Timestamp": stamp,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        response = await self.services.raw(
            "feedback", "POST", "/v1/slack/capture", None, content=body, headers=headers
        )
        if response.status_code != 200:
            raise Refused(f"a Slack message captured: HTTP {response.status_code} {response.text[:200]}")
        await asyncio.sleep(self.pace)
        return response.json()["feedback_id"]

    # -- the week's storylines ---------------------------------------------------------------------

    async def normal_traffic(self, count: int) -> None:
        calm = [t for t in self.items if t not in (SPIKE_THEME, UNOWNED_THEME, None)]
        small = [a for a in org.ACCOUNTS if a.segment != "enterprise"]
        for n in range(count):
            theme, account = self.rng.choice(calm), self.rng.choice(small)
            text = self.rng.choice(self.items[theme])["text"]
            if n == 0:  # about exports, which the rep says the exports initiative answers
                await self.call_note(account, self.rng.choice(self.items[SPIKE_THEME])["text"])
            elif n == 2 and self.slack_thread is not None:
                await self.slack_capture(account, text)
            elif n % 4 == 1:
                await self.zendesk(account, text[:60], text)
            elif n % 4 == 3:
                await self.intercom(account, text)
            else:
                await self.event(theme, account, self.rng.choice([FeedbackKind.customer, FeedbackKind.field]))

    async def copied_ticket(self) -> None:
        """A CSM copies a customer's ticket into Salesforce: the same need, logged twice."""
        account = org.BY_ID["acc-pixelhaus"]
        text = "Our dashboards take more than 30 seconds to load every Monday morning since the last release."
        await self.zendesk(account, "Dashboards slow on Mondays", text)
        await self.event(
            "dashboards",
            account,
            FeedbackKind.field,
            source="salesforce",
            text=f"From Zendesk: {text} Customer is frustrated, please look.",
        )

    async def malformed(self) -> list[str]:
        """What a broken integration sends: refused with the field at fault, never dropped."""
        said = []
        broken = json.loads((await self._valid_event()).to_json())
        del broken["data"]["text"]
        await self.js.publish(
            FeedbackSubmitted.subject, json.dumps(broken).encode(), headers={MSG_ID: broken["id"]}
        )
        said.append("an event without text (the dead-letter stream and feedback.rejected will say why)")
        account = org.BY_ID["acc-tidal-foods"]
        status, text = await self.zendesk(account, "Unsigned", "A delivery nobody signed.", signed=False)
        said.append(f"an unsigned Zendesk delivery: HTTP {status}")
        status, text = await self.zendesk(account, "", None)
        said.append(f"a Zendesk ticket with no subject nor description: HTTP {status} {text[:120]}")
        return said

    async def _valid_event(self) -> FeedbackSubmitted:
        return submission(
            self.items["dashboards"][0],
            org.ACCOUNTS[-1],
            FeedbackKind.customer,
            datetime.now(UTC),
            self._external_id("broken"),
        )

    async def spike(self, count: int) -> None:
        """Large accounts hit the same wall within minutes: exports time out."""
        for n in range(count):
            account = org.LARGE[n % len(org.LARGE)]
            kind = FeedbackKind.field if n % 2 else FeedbackKind.customer
            await self.event(SPIKE_THEME, account, kind)

    async def unowned_demand(self, accounts: int) -> None:
        """Enterprise accounts ask for SAML SSO: real demand, and no initiative covers it. The words are the
        corpus's about single sign-on itself (not its SCIM or provisioning items, which a classifier may
        fairly file elsewhere), so that the story told is the one played."""
        asks = [i["text"] for i in self.items[UNOWNED_THEME] if SSO_WORDS.search(i["text"])]
        for account in org.LARGE[:accounts]:
            await self.event(UNOWNED_THEME, account, FeedbackKind.field, text=self.rng.choice(asks))

    async def churn_signal(self) -> None:
        account = org.BY_ID["acc-atelier-cobalt"]  # renewal in 25 days, large ARR
        await self.event(
            None,
            account,
            FeedbackKind.field,
            source="gong",
            text=(
                "Call with their COO: they are seriously considering not renewing next month. "
                "Exports keep failing, support answers late, and a competitor offered them a discount. "
                "Very unhappy."
            ),
        )
