"""feedback.submitted on a real JetStream: batches, edits, replays, rejections, near-duplicates, shipping."""

import json

import pytest
from terrain_contracts import streams
from terrain_contracts.events.feedback import (
    FeedbackIngested,
    FeedbackRejected,
    FeedbackSubmitted,
    ReporterRole,
)
from terrain_contracts.events.initiative import (
    Briefing,
    InitiativeShipped,
    InitiativeShippedData,
    InitiativeStatus,
    NeedSource,
    Size,
)
from terrain_dev.probes import consumer_settled, dead_letters, stored_messages
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .builders import T0, submission, submitted

pytestmark = pytest.mark.integration


async def settled(jetstream, durable: str = "feedback-intake") -> bool:
    return await consumer_settled(
        jetstream, streams.FEEDBACK if durable == "feedback-intake" else streams.INITIATIVES, durable
    )


async def events_of(jetstream, event_type):
    return [
        event_type.parse(m.data)
        for m in await stored_messages(jetstream, streams.FEEDBACK, event_type.subject)
    ]


async def test_two_submissions_of_one_item_in_one_batch_store_it_once_at_revision_two(feedback, jetstream):
    first = submission("T-9", "Exports time out on large reports")
    edited = submission("T-9", "Exports time out on large reports, and CSV too")
    await publish(jetstream, submitted(first), submitted(edited))

    await eventually(lambda: settled(jetstream), what="both handled")
    await feedback.service.relay.flush()

    [item] = await feedback.db["feedback"].find().to_list(None)
    assert item["revision"] == 2 and item["text"].endswith("CSV too")
    assert [e.data.revision for e in await events_of(jetstream, FeedbackIngested)] == [1, 2]


async def test_a_resubmission_with_the_same_content_stores_nothing_new(feedback, jetstream):
    data = submission("T-10")
    await publish(jetstream, submitted(data))
    await eventually(lambda: settled(jetstream), what="first handled")
    await publish(jetstream, submitted(data))  # the tool sends it again, as a new event

    await eventually(lambda: settled(jetstream), what="second handled")
    await feedback.service.relay.flush()

    assert await feedback.db["feedback"].count_documents({}) == 1
    assert len(await events_of(jetstream, FeedbackIngested)) == 1


async def test_a_submission_failing_its_contract_is_rejected_naming_the_field_and_dead_lettered(
    feedback, jetstream
):
    wire = json.loads(submitted(submission("T-11")).to_json())
    wire["data"]["reporter"]["email"] = "not an email"
    await jetstream.publish(FeedbackSubmitted.subject, json.dumps(wire).encode())

    [rejected] = await eventually(lambda: events_of(jetstream, FeedbackRejected), what="feedback.rejected")
    [letter] = await eventually(lambda: dead_letters(jetstream, "feedback-intake"), what="dead letter")

    assert [e.field for e in rejected.data.errors] == ["data.reporter.email"]
    assert rejected.data.source == "zendesk" and rejected.data.external_id == "T-11"
    assert "data.reporter.email" in letter.reason
    assert await feedback.db["feedback"].count_documents({}) == 0


async def test_a_submission_cut_in_the_middle_of_an_emoji_is_rejected_and_dead_lettered_at_once(
    feedback, jetstream
):
    # A JavaScript producer truncating a string between the two halves of a surrogate pair.
    wire = json.dumps(json.loads(submitted(submission("T-13", "Love it")).to_json()))
    await jetstream.publish(FeedbackSubmitted.subject, wire.replace("Love it", "Love it \\ud83d").encode())

    [letter] = await eventually(lambda: dead_letters(jetstream, "feedback-intake"), what="dead letter")
    [rejected] = await events_of(jetstream, FeedbackRejected)

    assert letter.attempts == 1 and "Invalid JSON" in letter.reason
    assert rejected.data.source == "zendesk" and rejected.data.excerpt.startswith("Love it ")
    assert await feedback.db["feedback"].count_documents({}) == 0


async def test_text_that_is_empty_once_normalised_is_rejected_naming_the_field(feedback, jetstream):
    await publish(jetstream, submitted(submission("T-12", " \u200b\t\n \x00 ")))

    [rejected] = await eventually(lambda: events_of(jetstream, FeedbackRejected), what="feedback.rejected")

    assert [e.field for e in rejected.data.errors] == ["text"]
    assert await feedback.db["feedback"].count_documents({}) == 0


async def test_a_ticket_copied_into_the_crm_is_linked_to_the_original(feedback, jetstream):
    ticket = submission(
        "Z-1",
        "Our admins need SAML single sign-on with Okta. Without it we cannot roll out "
        "to the other 400 users.",
    )
    copy = submission(
        "0065e000001",
        "Call notes: Acme - our admins need SAML single sign on with Okta; "
        "without it they cannot roll out to the other 400 users. Renewal at risk.",
        source="salesforce",
        minutes=90,
        kind="field",
        reporter={"name": "Sam Rivera", "email": "sam@ourcompany.com", "role": ReporterRole.sales_rep},
    )
    other = submission("Z-2", "The invoice PDF should include our purchase order number.", minutes=120)
    await publish(jetstream, submitted(ticket))
    await eventually(lambda: settled(jetstream), what="original stored")
    await publish(jetstream, submitted(copy), submitted(other))

    await eventually(lambda: settled(jetstream), what="all handled")

    items = {d["external_id"]: d for d in await feedback.db["feedback"].find().to_list(None)}
    link = items["0065e000001"]["duplicate_of"]
    assert (
        link["feedback_id"] == items["Z-1"]["_id"]
        and link["similarity"] >= feedback.service.settings.duplicates.threshold
    )
    assert items["Z-1"]["duplicate_of"] is None and items["Z-2"]["duplicate_of"] is None


async def test_items_linked_to_a_shipped_initiative_are_marked_shipped(feedback, jetstream):
    await publish(jetstream, submitted(submission("T-20")), submitted(submission("T-21", "Something else")))
    await eventually(lambda: settled(jetstream), what="items stored")
    first = await feedback.db["feedback"].find_one({"external_id": "T-20"})
    briefing = Briefing(
        initiative_id="ini-1",
        title="SSO",
        problem="No SSO",
        source=NeedSource.customer_feedback,
        size=Size.m,
        intention="Ship SAML",
        owner_team_id="team-1",
        quarter="2026-Q4",
        status=InitiativeStatus.shipped,
        version=3,
    )
    shipped = InitiativeShipped.create(
        InitiativeShippedData(
            initiative=briefing,
            release_note="SAML SSO is live",
            linked_feedback_ids=[first["_id"]],
            shipped_at=T0,
            shipped_by="m-1",
        ),
        source="initiatives",
    )

    await publish(jetstream, shipped)

    await eventually(lambda: settled(jetstream, "feedback-shipped"), what="shipped handled")
    marked = await feedback.http.get("/v1/feedback", params={"status": "shipped"})
    assert [i["external_id"] for i in marked.json()["items"]] == ["T-20"]
    assert marked.json()["items"][0]["shipped_in"] == ["ini-1"]
