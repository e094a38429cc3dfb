"""The use cases on an in-memory unit of work: what the store holds and which events are recorded.

No nats-server, no Mongo-wire server. The integration tests (test_intake, test_accounts, test_api,
test_webhooks) stay the proof against the real servers.

mongomock's bulk write reports no matched count, so an edit (a replacement checked against the revision
read) cannot run here: edits are covered by test_intake only.
"""

from datetime import UTC, datetime, timedelta

import pytest
from terrain_contracts.events.account import Account
from terrain_contracts.events.feedback import (
    FeedbackErased,
    FeedbackIngested,
    FeedbackRejected,
    IntakeChannel,
    ReporterRole,
)
from terrain_contracts.registry import published_by
from terrain_dev.memory import MemoryDatabase, memory_uow
from terrain_feedback.domain.items import DuplicateRules, Outcome
from terrain_feedback.handlers import accounts, erasures, intake, shipped
from terrain_feedback.handlers.context import Context
from terrain_feedback.handlers.intake import Submission
from terrain_feedback.store.recent import RecentItems
from terrain_kit.uow import UnitOfWork

from .builders import submission

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TICKET = (
    "Our admins need SAML single sign-on with Okta. Without it we cannot roll out to the other 400 users."
)
CALL_NOTES = (
    "Call notes: Acme - our admins need SAML single sign on with Okta; "
    "without it they cannot roll out to the other 400 users. Renewal at risk."
)


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


def unit(db: MemoryDatabase) -> UnitOfWork:
    return memory_uow(db, publishes=published_by("feedback"))


def committed(uow: UnitOfWork) -> UnitOfWork:
    """What the kit does once the transaction committed: run the unit's after-commit actions."""
    for action in uow.committed_actions:
        action()
    return uow


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


async def ingest(db: MemoryDatabase, context: Context, *submissions: Submission) -> tuple[list, UnitOfWork]:
    uow = unit(db)
    decisions = await intake.ingest(uow, context, list(submissions))
    committed(uow)
    return decisions, uow


def by_event(data, channel: IntakeChannel = IntakeChannel.event) -> Submission:
    return Submission(data, channel)


class TestIngest:
    async def test_a_new_submission_is_stored_and_announced_as_ingested(self, db, context):
        [decision], uow = await ingest(db, context, by_event(submission("T-1")))

        stored = await db["feedback"].find_one({"_id": decision.feedback_id})
        assert decision.outcome is Outcome.created and decision.revision == 1
        assert stored["external_id"] == "T-1" and stored["status"] == "open"
        assert subjects(uow) == [FeedbackIngested.subject]

    async def test_an_item_is_stamped_with_the_context_clock(self, db, context):
        [decision], _ = await ingest(db, context, by_event(submission("T-1")))

        stored = await db["feedback"].find_one({"_id": decision.feedback_id})
        assert stored["ingested_at"] == NOW and stored["first_ingested_at"] == NOW

    async def test_a_redelivered_submission_changes_nothing(self, db, context):
        await ingest(db, context, by_event(submission("T-1")))

        [again], uow = await ingest(db, context, by_event(submission("T-1")))

        assert again.outcome is Outcome.unchanged
        assert uow.outbox == []
        assert await db["feedback"].count_documents({}) == 1

    async def test_a_copy_of_a_customers_ticket_is_linked_to_the_original(self, db, context):
        [original], _ = await ingest(db, context, by_event(submission("Z-1", TICKET)))
        copy = submission(
            "0065e000001",
            CALL_NOTES,
            source="salesforce",
            minutes=90,
            kind="field",
            reporter={"name": "Sam Rivera", "email": "sam@ourcompany.com", "role": ReporterRole.sales_rep},
        )
        other = submission("Z-2", "The invoice PDF should include our purchase order number.", minutes=120)

        [linked, unrelated], _ = await ingest(db, context, by_event(copy), by_event(other))

        link = linked.item.ingested.duplicate_of
        assert link.feedback_id == original.feedback_id and link.similarity >= 0.45
        assert unrelated.item.ingested.duplicate_of is None
        stored = await db["feedback"].find_one({"_id": linked.feedback_id})
        assert stored["duplicate_of"]["feedback_id"] == original.feedback_id

    async def test_text_empty_once_normalised_is_rejected_and_announced(self, db, context):
        [decision], uow = await ingest(db, context, by_event(submission("T-12", " \u200b\t\n \x00 ")))

        assert decision.outcome is Outcome.rejected
        assert [e.field for e in decision.errors] == ["text"]
        assert subjects(uow) == [FeedbackRejected.subject]
        assert await db["feedback"].count_documents({}) == 0

    async def test_a_payload_failing_the_contract_is_announced_as_rejected(self, db):
        uow = unit(db)

        await intake.reject_invalid(uow, b'{"data": {"source": "zendesk", "external_id": "T-9"}}', "invalid")

        [event] = uow.outbox
        assert event["subject"] == FeedbackRejected.subject
        refused = FeedbackRejected.model_validate_json(event["body"])
        assert refused.data.external_id == "T-9" and refused.data.errors

    async def test_feedback_from_a_registered_domain_is_filed_under_its_account(self, db, context):
        account = Account(account_id="acc-acme", name="Acme", domains=["acme.io"], plan="enterprise")
        await accounts.apply_account(unit(db), account, NOW)

        [decision], _ = await ingest(db, context, by_event(submission("T-1")))

        assert decision.item.account_id == "acc-acme"
        assert decision.item.ingested.account.plan == "enterprise"


class TestErasure:
    async def erase(self, db, context, erasure_id: str = "er-1") -> tuple[erasures.Erasure, UnitOfWork]:
        uow = unit(db)
        done = await erasures.erase_customer(
            uow,
            context,
            account_id=None,
            customer_email="DANA@acme.io",
            reason="GDPR request",
            requested_by="ops",
            erasure_id=erasure_id,
        )
        return done, committed(uow)

    async def test_erasing_a_customer_deletes_their_items_and_announces_it(self, db, context):
        [mine], _ = await ingest(db, context, by_event(submission("T-1")))
        await ingest(
            db,
            context,
            by_event(
                submission(
                    "T-2",
                    customer={"email": "kim@other.io"},
                    reporter={"name": "Kim", "email": "kim@other.io", "role": ReporterRole.customer},
                )
            ),
        )

        done, uow = await self.erase(db, context)

        assert done.feedback_ids == [mine.feedback_id] and not done.replayed
        assert await db["feedback"].count_documents({}) == 1
        assert await db["erased"].find_one({"_id": mine.feedback_id}) is not None
        assert (await db["erasures"].find_one({"_id": "er-1"}))["at"] == NOW
        [event] = uow.outbox
        assert event["subject"] == FeedbackErased.subject
        assert FeedbackErased.model_validate_json(event["body"]).data.feedback_ids == [mine.feedback_id]

    async def test_a_repeated_erasure_request_gets_the_same_answer_and_does_nothing_more(self, db, context):
        [mine], _ = await ingest(db, context, by_event(submission("T-1")))
        await self.erase(db, context)

        again, uow = await self.erase(db, context)

        assert again.replayed and again.feedback_ids == [mine.feedback_id]
        assert uow.outbox == []

    async def test_an_erased_item_is_never_stored_again(self, db, context):
        await ingest(db, context, by_event(submission("T-1")))
        await self.erase(db, context)

        [decision], uow = await ingest(db, context, by_event(submission("T-1")))

        assert decision.outcome is Outcome.erased
        assert uow.outbox == [] and await db["feedback"].count_documents({}) == 0


class TestShipped:
    async def test_feedback_an_initiative_answered_is_marked_shipped(self, db, context):
        [decision], _ = await ingest(db, context, by_event(submission("T-1")))

        count = await shipped.mark_shipped(unit(db), [decision.feedback_id], "ini-1")

        stored = await db["feedback"].find_one({"_id": decision.feedback_id})
        assert count == 1
        assert stored["status"] == "shipped" and stored["shipped_in"] == ["ini-1"]

    async def test_a_redelivered_shipped_event_changes_nothing_more(self, db, context):
        [decision], _ = await ingest(db, context, by_event(submission("T-1")))
        await shipped.mark_shipped(unit(db), [decision.feedback_id], "ini-1")

        await shipped.mark_shipped(unit(db), [decision.feedback_id], "ini-1")

        stored = await db["feedback"].find_one({"_id": decision.feedback_id})
        assert stored["shipped_in"] == ["ini-1"]

    async def test_a_shipped_initiative_without_feedback_marks_nothing(self, db):
        assert await shipped.mark_shipped(unit(db), [], "ini-1") == 0
