"""Which events carry personal data, and whose: what erasure relies on to find them."""

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackErased,
    FeedbackErasedData,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
    email_digest,
    feedback_id,
)
from terrain_contracts.events.notification import (
    Channel,
    NotificationDelivered,
    NotificationDeliveredData,
    Purpose,
)
from terrain_contracts.registry import EVENTS

pytestmark = pytest.mark.unit

WHEN = datetime(2026, 12, 1, tzinfo=UTC)
# Fields that hold a person's address or words wherever they appear in a payload.
PERSONAL_FIELDS = {"email", "reporter_email", "recipient_id", "text", "excerpt", "reporter", "customer"}
# Events with such a field that are not indexed for erasure, and why.
NOT_INDEXED = {
    "feedback.erased": "customer_email is no longer filled: the digest names the customer",
    "feedback.rejected": "refused input is never stored, so no erasure finds it (README: limits)",
}
STAFF = "team."  # team events name members: staff, kept while they are members, not customers' data


def _properties(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """Every property name of a JSON schema, nested definitions followed."""
    found: set[str] = set()
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref not in seen:
                seen.add(ref)
                stack.append(defs[ref.rsplit("/", 1)[-1]])
            found |= set(node.get("properties", {}))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_every_event_with_an_address_or_customer_words_declares_whose_they_are():
    unindexed = []
    for event in EVENTS:
        schema = event.model_json_schema()
        data = schema["properties"]["data"]
        name = event.model_fields["type"].default
        if name.startswith(STAFF):
            continue
        if PERSONAL_FIELDS & _properties(data, schema.get("$defs", {})) and not event.personal:
            unindexed.append(name)
    assert set(unindexed) <= set(NOT_INDEXED), unindexed


def test_a_submission_is_about_the_item_it_becomes():
    data = FeedbackSubmittedData(
        source="zendesk",
        external_id="T-1",
        kind=FeedbackKind.customer,
        reporter=Reporter(name="Ada", email="ada@acme.io", role=ReporterRole.customer),
        customer=CustomerRef(email="ada@acme.io"),
        text="Exports time out",
        occurred_at=WHEN,
    )
    event = FeedbackSubmitted.create(data, source="zendesk")

    expected = "fb-" + hashlib.sha256(b"zendesk\x1fT-1").hexdigest()[:32]
    assert data.feedback_id == feedback_id("zendesk", "T-1") == expected
    assert event.personal_refs() == [expected]


def test_only_loop_closures_name_a_reporter_among_deliveries():
    def delivered(purpose: Purpose, feedback_ids: list[str]) -> NotificationDelivered:
        data = NotificationDeliveredData(
            notification_id="n-1",
            purpose=purpose,
            channel=Channel.email,
            recipient_id="ada@acme.io" if purpose is Purpose.loop_closure else "m-1",
            feedback_ids=feedback_ids,
            attempts=1,
            delivered_at=WHEN,
        )
        return NotificationDelivered.create(data, source="notifier")

    assert delivered(Purpose.loop_closure, ["fb-1", "fb-2"]).personal_refs() == ["fb-1", "fb-2"]
    assert delivered(Purpose.insight, []).personal_refs() == []


def test_an_erasure_names_the_customer_by_a_digest_and_is_not_itself_erased():
    data = FeedbackErasedData(
        erasure_id="er-1",
        customer_email_sha256=email_digest(" Ada@ACME.io"),
        feedback_ids=["fb-1"],
        part=1,
        parts=1,
        reason="GDPR",
        requested_by="key:ops",
    )
    event = FeedbackErased.create(data, source="feedback")

    assert data.customer_email_sha256 == hashlib.sha256(b"ada@acme.io").hexdigest()
    assert b"ada@acme.io" not in event.to_json().lower()
    # The other services erase on it: indexed under its ids, the erasure would delete its own announcement.
    assert event.personal_refs() == [] and not FeedbackErased.personal
