"""Listing, searching and reading feedback; erasure on request; OpenAPI."""

import hashlib
from datetime import timedelta

import pytest
from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackErased, FeedbackKind, IntakeChannel
from terrain_dev.probes import consumer_settled, stored_messages
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually
from terrain_feedback.domain.items import IntakePlan
from terrain_feedback.store.items import item_to_doc

from .builders import T0, submission, submitted

pytestmark = pytest.mark.integration


async def intake_settled(jetstream) -> bool:
    return await consumer_settled(jetstream, streams.FEEDBACK, "feedback-intake")


async def seed(feedback, jetstream) -> None:
    await publish(
        jetstream,
        *[
            submitted(s)
            for s in (
                submission(
                    "Z-1", "Exports to Excel time out", minutes=0, customer={"account_id": "acc-acme"}
                ),
                submission(
                    "Z-2", "Dark mode for the mobile app", minutes=10, customer={"email": "noor@globex.com"}
                ),
                submission(
                    "S-1",
                    "Acme wants SAML single sign-on",
                    source="salesforce",
                    minutes=20,
                    kind=FeedbackKind.field,
                    customer={"account_id": "acc-acme"},
                    reporter={"name": "Sam", "email": "sam@ourcompany.com", "role": "sales_rep"},
                ),
                submission(
                    "Z-3", "L'export Excel échoue toujours", minutes=30, customer={"email": "jean@acme.io"}
                ),
            )
        ],
    )
    await eventually(lambda: intake_settled(jetstream), what="seeded")


async def ids(feedback, **params) -> list[str]:
    response = await feedback.http.get("/v1/feedback", params=params)
    assert response.status_code == 200, response.text
    return [item["external_id"] for item in response.json()["items"]]


async def test_feedback_is_listed_newest_first_and_filtered(feedback, jetstream):
    await seed(feedback, jetstream)

    assert await ids(feedback) == ["Z-3", "S-1", "Z-2", "Z-1"]
    assert await ids(feedback, account_id="acc-acme") == ["S-1", "Z-1"]
    assert await ids(feedback, source="salesforce") == ["S-1"]
    assert await ids(
        feedback,
        kind="customer",
        since=(T0 + timedelta(minutes=5)).isoformat(),
        until=(T0 + timedelta(minutes=30)).isoformat(),
    ) == ["Z-2"]
    assert await ids(feedback, q="EXCEL") == ["Z-3", "Z-1"]
    assert await ids(feedback, q="export echoue") == ["Z-3"]  # accents and case folded
    assert await ids(feedback, status="open") == ["Z-3", "S-1", "Z-2", "Z-1"]


async def test_a_key_limited_to_a_source_sees_that_source_only(feedback, jetstream):
    await seed(feedback, jetstream)
    created = await feedback.http.post(
        "/v1/api-keys", json={"name": "zendesk sync", "role": "viewer", "sources": ["zendesk"]}
    )
    zendesk = {"X-API-Key": created.json()["key"]}

    listed = await feedback.http.get("/v1/feedback", headers=zendesk)
    assert [item["external_id"] for item in listed.json()["items"]] == ["Z-3", "Z-2", "Z-1"]
    assert (
        await feedback.http.get("/v1/feedback", params={"source": "salesforce"}, headers=zendesk)
    ).status_code == 403
    salesforce_item = (await feedback.http.get("/v1/feedback", params={"source": "salesforce"})).json()[
        "items"
    ][0]
    hidden = await feedback.http.get(f"/v1/feedback/{salesforce_item['feedback_id']}", headers=zendesk)
    assert hidden.status_code == 404  # another source's item is not shown to exist
    assert (await feedback.http.get("/v1/accounts/acc-acme", headers=zendesk)).status_code == 403


async def test_pages_follow_the_cursor_to_the_end(feedback, jetstream):
    await seed(feedback, jetstream)

    first = (await feedback.http.get("/v1/feedback", params={"limit": 3})).json()
    second = (
        await feedback.http.get("/v1/feedback", params={"limit": 3, "cursor": first["next_cursor"]})
    ).json()

    assert [i["external_id"] for i in first["items"] + second["items"]] == ["Z-3", "S-1", "Z-2", "Z-1"]
    assert second["next_cursor"] is None


async def test_one_item_is_read_by_id_with_its_language_and_status(feedback, jetstream):
    await seed(feedback, jetstream)
    listed = (await feedback.http.get("/v1/feedback", params={"q": "echoue"})).json()["items"][0]

    item = (await feedback.http.get(f"/v1/feedback/{listed['feedback_id']}")).json()

    assert item["language"] == "fr" and item["status"] == "open" and item["revision"] == 1
    assert (await feedback.http.get("/v1/feedback/fb-nothing")).status_code == 404


async def test_bad_filters_are_refused_naming_the_parameter(feedback):
    response = await feedback.http.get("/v1/feedback", params={"kind": "rumour", "since": "yesterday"})

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"query.kind", "query.since"}


async def test_a_customer_is_erased_by_email_announced_and_never_ingested_again(feedback, jetstream):
    await seed(feedback, jetstream)
    ops = await feedback.api_key("product_ops")
    request = {"customer_email": "noor@globex.com", "reason": "GDPR request #77", "erasure_id": "gdpr-77"}

    response = await feedback.http.post("/v1/erasures", json=request, headers={"X-API-Key": ops})
    again = await feedback.http.post("/v1/erasures", json=request, headers={"X-API-Key": ops})

    assert response.status_code == 200, response.text
    [erased_id] = response.json()["feedback_ids"]
    assert again.json() == {**response.json(), "replayed": True}
    assert await ids(feedback, q="dark") == []
    await feedback.service.relay.flush()
    [message] = await stored_messages(jetstream, streams.FEEDBACK, FeedbackErased.subject)
    event = FeedbackErased.parse(message.data)
    assert event.data.feedback_ids == [erased_id] and (event.data.part, event.data.parts) == (1, 1)
    assert event.data.customer_email is None and event.data.requested_by.startswith("key:")
    assert event.data.customer_email_sha256 == hashlib.sha256(b"noor@globex.com").hexdigest()

    await publish(
        jetstream,
        submitted(
            submission(
                "Z-2", "Dark mode for the mobile app", minutes=10, customer={"email": "noor@globex.com"}
            )
        ),
    )  # a replay
    await eventually(lambda: intake_settled(jetstream), what="replay handled")
    assert await feedback.db["feedback"].find_one({"_id": erased_id}) is None

    async def nothing_of_noor_stored() -> bool:  # the submissions, the ingestion and the replay deleted
        stored = await stored_messages(jetstream, streams.FEEDBACK, ">")
        return not any(b"noor@globex.com" in m.data or b"Dark mode" in m.data for m in stored)

    await eventually(nothing_of_noor_stored, what="Noor's messages erased from the stream")


async def test_erasure_needs_product_ops_and_exactly_one_subject(feedback):
    pm = await feedback.api_key("pm")

    forbidden = await feedback.http.post(
        "/v1/erasures", json={"account_id": "a", "reason": "r"}, headers={"X-API-Key": pm}
    )
    both = await feedback.http.post(
        "/v1/erasures", json={"account_id": "a", "customer_email": "x@y.io", "reason": "r"}
    )

    assert forbidden.status_code == 403
    assert both.status_code == 422


async def test_a_large_erasure_is_announced_in_parts_of_at_most_a_thousand(feedback, jetstream):
    plan = IntakePlan(
        existing={},
        erased=set(),
        accounts=_no_accounts(),
        candidates={},
        rules=_rules(),
        redact=False,
        now=T0,
    )
    items = [
        plan.decide(
            submission(f"bulk-{n}", customer={"account_id": "acc-big"}, minutes=n), IntakeChannel.event
        ).item
        for n in range(1001)
    ]
    await feedback.db["feedback"].insert_many([item_to_doc(i) for i in items])

    response = await feedback.http.post(
        "/v1/erasures", json={"account_id": "acc-big", "reason": "contract end"}
    )
    await feedback.service.relay.flush()

    assert len(response.json()["feedback_ids"]) == 1001
    parts = [
        FeedbackErased.parse(m.data).data
        for m in await stored_messages(jetstream, streams.FEEDBACK, FeedbackErased.subject)
    ]
    assert sorted((p.part, p.parts, len(p.feedback_ids)) for p in parts) == [(1, 2, 1000), (2, 2, 1)]
    assert len({p.erasure_id for p in parts}) == 1
    assert await feedback.db["feedback"].count_documents({}) == 0


async def test_openapi_describes_the_routes(feedback):
    paths = (await feedback.http.get("/openapi.json")).json()["paths"]

    assert {
        "/v1/feedback",
        "/v1/feedback/{feedback_id}",
        "/v1/accounts/{account_id}",
        "/v1/erasures",
        "/v1/webhooks/zendesk",
        "/v1/webhooks/standard",
    } <= set(paths)


def _no_accounts():
    from terrain_feedback.domain.items import Accounts

    return Accounts()


def _rules():
    from terrain_feedback.domain.items import DuplicateRules

    return DuplicateRules(threshold=0.99, window=timedelta(days=1), max_candidates=1)


@pytest.mark.parametrize("number", ["0.5", "1732100000", "-1"])
async def test_a_number_is_not_a_date_time_filter(feedback, number):
    # Found by schemathesis: ?until=0.5 was read as half a second after 1970 (the document says date-time).
    response = await feedback.http.get("/v1/feedback", params={"until": number, "since": number})

    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == {"query.since", "query.until"}
