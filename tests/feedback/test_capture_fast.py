"""Feedback logged by hand, and what became of it: the pure rules and the handlers on an in-memory unit of
work (no servers). test_logged.py is the proof against the real ones."""

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from terrain_contracts import Role
from terrain_contracts.events.feedback import (
    FeedbackClassified,
    FeedbackClassifiedData,
    FeedbackIngested,
    IntakeChannel,
    ReporterRole,
)
from terrain_contracts.events.initiative import (
    FeedbackLinkedData,
    InitiativeFeedbackLinked,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
)
from terrain_contracts.registry import published_by
from terrain_dev.memory import MemoryDatabase, memory_uow
from terrain_feedback.domain.capture import (
    NotCapturable,
    customer_of,
    mail_customer,
    mail_text,
    reporter_of,
    slack_capture,
    strip_reply,
)
from terrain_feedback.domain.items import DuplicateRules, Outcome, content_hash
from terrain_feedback.domain.webhooks.signatures import SignedRequest, Unauthorized, verify_slack
from terrain_feedback.handlers import followups, logged
from terrain_feedback.handlers.context import Context
from terrain_feedback.handlers.intake import Submission
from terrain_feedback.jobs.mailbox import submission_of
from terrain_feedback.settings import MailboxSettings
from terrain_feedback.store import followups as followup_store
from terrain_feedback.store.recent import RecentItems

from .builders import submission
from .signing import slack_headers

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SAM_EMAIL = "sam@ourcompany.com"


class TestQuotedHistory:
    def test_an_english_reply_keeps_only_the_new_words(self):
        body = (
            "Acme asked again for SAML SSO.\nThey renew in March.\n\n"
            "On Tue, 3 Nov 2026 at 10:02, Jane Doe <jane@acme.io> wrote:\n> We need SSO\n> before renewal"
        )
        assert strip_reply(body) == "Acme asked again for SAML SSO.\nThey renew in March."

    def test_a_french_reply_and_a_wrapped_header_are_cut(self):
        body = (
            "Export Excel toujours en échec.\n\n"
            "Le mar. 3 nov. 2026 à 10:02, Jean Martin\n<jean@acme.io> a écrit :\n> Bonjour"
        )
        assert strip_reply(body) == "Export Excel toujours en échec."

    def test_quoted_lines_and_the_signature_are_dropped(self):
        body = "> old words\nDark mode please.\n> more old words\n-- \nSam Rivera\nAccount Executive"
        assert strip_reply(body) == "Dark mode please."

    def test_the_subject_leads_without_its_reply_prefix(self):
        assert mail_text("Re: Fwd: SSO", "They need it.\n-- \nSam") == "SSO\n\nThey need it."

    def test_the_mailbox_tag_or_an_outside_recipient_names_the_customer(self):
        mailbox = "feedback@terrain.local"
        assert mail_customer(["feedback+acme.io@terrain.local"], mailbox, []).domain == "acme.io"
        assert mail_customer(["feedback+jane=acme.io@terrain.local"], mailbox, []).email == "jane@acme.io"
        outside = mail_customer(
            [mailbox, "lee@ourcompany.com", "noor@globex.com"], mailbox, ["ourcompany.com"]
        )
        assert outside.email == "noor@globex.com"


class TestSlack:
    SECRET = "slack-signing-secret"

    def request(self, body: bytes, headers: dict[str, str]) -> SignedRequest:
        return SignedRequest(
            "POST", "http://service/v1/slack/capture", {k.lower(): v for k, v in headers.items()}, body
        )

    def test_a_request_signed_now_passes(self):
        body = b"command=%2Ffeedback&text=hello"
        verify_slack(self.request(body, slack_headers(body, self.SECRET)), [self.SECRET], _now(), 300)

    @pytest.mark.parametrize(
        "tamper",
        ["stale", "other secret", "unsigned", "body changed", "not hex", "future"],
    )
    def test_a_stale_forged_or_unsigned_request_is_unauthorized(self, tamper):
        body = b"command=%2Ffeedback&text=hello"
        headers = slack_headers(
            body, self.SECRET if tamper != "other secret" else "another", age=301 if tamper == "stale" else 0
        )
        if tamper == "future":
            headers = slack_headers(body, self.SECRET, age=-400)
        if tamper == "unsigned":
            headers.pop("X-Slack-Signature")
        if tamper == "not hex":
            headers["X-Slack-Signature"] = "v0=zz"
        sent = body + b"!" if tamper == "body changed" else body
        with pytest.raises(Unauthorized):
            verify_slack(self.request(sent, headers), [self.SECRET], _now(), 300)

    def test_a_slash_command_names_the_customer_before_a_colon(self):
        capture = slack_capture(
            {
                "user_id": "U1",
                "user_name": "sam",
                "text": "acme.io: They need &lt;SAML&gt; SSO",
                "trigger_id": "t1",
            },
            None,
        )
        assert capture.customer.domain == "acme.io" and capture.text == "They need <SAML> SSO"

    def test_a_message_shortcut_is_one_item_per_message_answered_in_its_thread(self):
        payload = {
            "type": "message_action",
            "team": {"id": "T1"},
            "channel": {"id": "C1"},
            "user": {"id": "U1", "name": "sam"},
            "message": {"text": "Globex wants <https://x.io|the export> faster", "ts": "1700.01"},
            "response_url": "https://hooks.slack.com/actions/1",
        }
        capture = slack_capture({}, payload)
        assert capture.external_id == "T1:C1:1700.01" and capture.thread_ts == "1700.01"
        assert capture.text == "Globex wants the export faster"

    def test_a_shortcut_without_text_names_the_field(self):
        with pytest.raises(NotCapturable) as refused:
            slack_capture({}, {"type": "message_action", "user": {"id": "U1"}, "message": {"ts": "1"}})
        assert refused.value.field == "payload.message.text"


def _now() -> float:
    return time.time()


class TestReporter:
    def test_a_reps_member_id_is_their_work_email(self):
        reporter = reporter_of("Sam Rivera", "sam@ourcompany.com", Role.sales)
        assert reporter.email == "sam@ourcompany.com" and reporter.role is ReporterRole.sales_rep
        assert reporter_of("Lee", "lee-1", Role.cs).email is None

    def test_a_customer_is_an_email_a_domain_or_an_account(self):
        assert customer_of("jane@acme.io").email == "jane@acme.io"
        assert customer_of("Acme.io").domain == "acme.io"
        assert customer_of("acc-acme").account_id == "acc-acme"

    def test_items_stored_before_the_new_fields_hash_the_same(self):
        data = submission("T-1")
        legacy = data.model_dump_json(exclude={"proposed_initiative_id": True, "reporter": {"member_id"}})
        assert content_hash(data) == hashlib.sha256(legacy.encode()).hexdigest()
        assert content_hash(data.model_copy(update={"proposed_initiative_id": "ini-1"})) != content_hash(data)


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def context() -> Context:
    return Context(
        duplicates=DuplicateRules(threshold=0.45, window=timedelta(days=30), max_candidates=50),
        redact=False,
        recent=RecentItems(keep=50),
        clock=lambda: NOW,
    )


def logged_by_hand(
    key: str, text: str = "Acme needs SAML SSO", member: str = "sam@ourcompany.com"
) -> Submission:
    data = submission(
        f"{member}/{key}",
        text,
        source="terrain",
        kind="field",
        reporter=reporter_of("Sam Rivera", member, Role.sales).model_dump(),
        proposed_initiative_id="ini-sso",
    )
    return Submission(data, IntakeChannel.api)


class TestLogging:
    async def test_the_same_key_twice_answers_the_item_stored_first(self, db, context):
        first_uow = memory_uow(db, publishes=published_by("feedback"))
        first = await logged.log_feedback(first_uow, context, logged_by_hand("k1"))
        again_uow = memory_uow(db, publishes=published_by("feedback"))
        again = await logged.log_feedback(again_uow, context, logged_by_hand("k1", "other words, later"))

        assert first.created and first.decision.outcome is Outcome.created
        assert not again.created and again.decision.feedback_id == first.decision.feedback_id
        assert [e["subject"] for e in first_uow.outbox] == [FeedbackIngested.subject]
        assert again_uow.outbox == []
        stored = await db["feedback"].find_one({"_id": first.decision.feedback_id})
        assert stored["text"] == "Acme needs SAML SSO" and stored["channel"] == "api"
        assert stored["reporter"]["member_id"] == "sam@ourcompany.com"
        assert stored["proposed_initiative_id"] == "ini-sso"


def classified(feedback_id: str, revision: int, theme: str | None) -> FeedbackClassified:
    themes = [{"theme": theme, "product_area": "identity", "confidence": 0.8}] if theme else []
    data = FeedbackClassifiedData.model_validate(
        {
            "feedback_id": feedback_id,
            "revision": revision,
            "taxonomy_version": 1,
            "themes": themes,
            "category": "feature_request",
            "sentiment": "neutral",
            "sentiment_score": 0.0,
        }
    )
    return FeedbackClassified.create(data, source="insights")


def briefing(status: str, version: int) -> dict:
    return {
        "initiative_id": "ini-sso",
        "title": "SAML single sign-on",
        "problem": "Large accounts cannot roll out without SSO.",
        "source": "customer_feedback",
        "size": "m",
        "intention": "Ship SAML with Okta and Entra.",
        "owner_team_id": "team-identity",
        "quarter": "2026-Q4",
        "status": status,
        "version": version,
    }


class TestFollowups:
    async def test_the_newest_theme_and_the_linked_initiatives_status_are_kept(self, db, context):
        uow = memory_uow(db, publishes=published_by("feedback"))
        await followups.apply_classified(
            uow, [classified("fb-1", 2, "sso"), classified("fb-1", 1, "exports")]
        )
        await followups.apply_classified(uow, [classified("fb-1", 1, "exports")])  # late, older: ignored
        linked = FeedbackLinkedData(
            initiative_id="ini-sso", owner_team_id="team-identity", feedback_id="fb-1", linked_by="Priya"
        )
        await followups.apply_initiative(uow, InitiativeFeedbackLinked.create(linked, source="initiatives"))
        for version, (before, after) in enumerate(
            [("aligned", "committed"), ("committed", "in_progress")], 3
        ):
            change = InitiativeStatusChangedData.model_validate(
                {
                    "initiative": briefing(after, version),
                    "from_status": before,
                    "to_status": after,
                    "changed_by": "p",
                }
            )
            await followups.apply_initiative(
                uow, InitiativeStatusChanged.create(change, source="initiatives")
            )
        stale = InitiativeStatusChangedData.model_validate(
            {
                "initiative": briefing("committed", 3),
                "from_status": "aligned",
                "to_status": "committed",
                "changed_by": "p",
            }
        )
        await followups.apply_initiative(uow, InitiativeStatusChanged.create(stale, source="initiatives"))

        themes, linked_to = await followup_store.followups_of(uow, ["fb-1"])
        assert themes["fb-1"]["theme"] == "sso"
        assert [(i["_id"], i["status"], i["title"]) for i in linked_to["fb-1"]] == [
            ("ini-sso", "in_progress", "SAML single sign-on")
        ]

    async def test_a_rep_sees_their_items_and_their_accounts_only(self, db, context):
        await db["accounts"].insert_one(
            {"_id": "acc-acme", "account_id": "acc-acme", "owner_rep_email": "sam@ourcompany.com"}
        )
        uow = memory_uow(db, publishes=published_by("feedback"))
        await logged.log_feedback(uow, context, logged_by_hand("k1"))
        await logged.log_feedback(
            uow, context, logged_by_hand("k2", "Globex wants dark mode", "lee@ourcompany.com")
        )
        await db["feedback"].insert_one(
            {"_id": "fb-acme", "account_id": "acc-acme", "reporter": {"name": "x"}}
        )

        sams = {
            d["_id"]
            async for d in db["feedback"].find(await followup_store.visible_to_rep(uow, "sam@ourcompany.com"))
        }
        lees = {
            d["_id"]
            async for d in db["feedback"].find(await followup_store.visible_to_rep(uow, "lee@ourcompany.com"))
        }

        assert "fb-acme" in sams and len(sams) == 2
        assert "fb-acme" not in lees and len(lees) == 1 and not sams & lees


class TestMailbox:
    SETTINGS = MailboxSettings(sender_domains=["ourcompany.com"])

    def message(self, sender: str, body: str, **headers: str) -> bytes:
        head = {
            "From": f"Sam Rivera <{sender}>",
            "To": "feedback+acc-acme@terrain.local",
            "Subject": "Re: SSO",
        }
        lines = [f"{k.replace('_', '-')}: {v}" for k, v in (head | headers).items()]
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def test_the_sender_is_the_reporter_and_a_bad_date_is_now(self):
        raw = self.message(SAM_EMAIL, "They need SSO.\r\n> old\r\n", Date="not a date", Message_ID="<m1@x>")
        submission = submission_of(raw, ["feedback+acc-acme@terrain.local"], self.SETTINGS)

        assert not isinstance(submission, str)
        data = submission.data
        assert data.reporter.email == SAM_EMAIL and data.reporter.name == "Sam Rivera"
        assert data.customer.account_id == "acc-acme" and data.text == "SSO\n\nThey need SSO."
        assert data.external_id == "m1@x" and data.occurred_at.tzinfo is not None

    def test_a_stranger_is_refused(self):
        refused = submission_of(self.message("eve@elsewhere.com", "hello"), [], self.SETTINGS)
        assert isinstance(refused, str) and refused.startswith("550")
