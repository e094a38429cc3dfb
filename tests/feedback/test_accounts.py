"""The account registry (API and CRM events) and how it enriches and weights feedback."""

from datetime import timedelta

import pytest
from terrain_contracts import streams
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.events.feedback import FeedbackIngested, ReporterRole
from terrain_contracts.types import Money
from terrain_dev.probes import consumer_settled, stored_messages
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .builders import submission, submitted

pytestmark = pytest.mark.integration

ACME = {
    "account_id": "acc-acme",
    "name": "Acme Corp",
    "domains": ["acme.io"],
    "arr": {"amount_minor": 12_000_000, "currency": "EUR"},
    "plan": "enterprise",
    "segment": "enterprise",
    "renewal_date": "2027-03-31",
    "owner_rep_email": "sam@ourcompany.com",
}


async def intake_settled(jetstream) -> bool:
    return await consumer_settled(jetstream, streams.FEEDBACK, "feedback-intake")


async def snapshots(jetstream) -> dict[str, dict | None]:
    found = await stored_messages(jetstream, streams.FEEDBACK, FeedbackIngested.subject)
    events = [FeedbackIngested.parse(m.data) for m in found]
    return {
        e.data.external_id: e.data.account.model_dump(mode="json") if e.data.account else None for e in events
    }


async def test_accounts_are_created_read_and_deleted_through_the_api_with_roles(feedback):
    pm, viewer = await feedback.api_key("pm"), await feedback.api_key("viewer")

    created = await feedback.http.put("/v1/accounts/acc-acme", json=ACME, headers={"X-API-Key": pm})
    refused = await feedback.http.put("/v1/accounts/acc-acme", json=ACME, headers={"X-API-Key": viewer})
    read = await feedback.http.get("/v1/accounts/acc-acme", headers={"X-API-Key": viewer})
    mismatch = await feedback.http.put("/v1/accounts/other", json=ACME, headers={"X-API-Key": pm})

    assert created.status_code == 200, created.text
    assert refused.status_code == 403
    assert read.json()["arr"] == {"amount_minor": 12_000_000, "currency": "EUR"}
    assert mismatch.status_code == 422
    listed = await feedback.http.get("/v1/accounts", headers={"X-API-Key": viewer})
    assert [a["account_id"] for a in listed.json()["items"]] == ["acc-acme"]
    assert (
        await feedback.http.delete("/v1/accounts/acc-acme", headers={"X-API-Key": viewer})
    ).status_code == 403
    assert (await feedback.http.delete("/v1/accounts/acc-acme", headers={"X-API-Key": pm})).status_code == 204
    assert (await feedback.http.get("/v1/accounts/acc-acme")).status_code == 404


async def test_replacing_an_account_takes_if_match_with_the_version_its_etag_gave(feedback):
    # Issue 19.6: two replaces of one account were last-write-wins.
    created = await feedback.http.put("/v1/accounts/acc-acme", json=ACME)  # creating needs no If-Match
    read = await feedback.http.get("/v1/accounts/acc-acme")
    growth = {**ACME, "plan": "growth"}

    blind = await feedback.http.put("/v1/accounts/acc-acme", json=growth)
    replaced = await feedback.http.put("/v1/accounts/acc-acme", json=growth, headers={"If-Match": '"1"'})
    stale = await feedback.http.put("/v1/accounts/acc-acme", json=ACME, headers={"If-Match": '"1"'})

    assert created.status_code == 200 and created.headers["ETag"] == '"1"'
    assert read.headers["ETag"] == '"1"' and read.json()["version"] == 1
    assert blind.status_code == 428, blind.text
    assert replaced.status_code == 200 and replaced.headers["ETag"] == '"2"'
    assert replaced.json()["plan"] == "growth" and replaced.json()["version"] == 2
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert stale.headers["ETag"] == '"2"'
    assert (await feedback.db["accounts"].find_one({"_id": "acc-acme"}))["plan"] == "growth"


async def test_what_get_returns_can_be_put_back_unchanged_with_its_etag(feedback):
    await feedback.http.put("/v1/accounts/acc-acme", json=ACME)
    read = await feedback.http.get("/v1/accounts/acc-acme")

    written = await feedback.http.put(
        "/v1/accounts/acc-acme", json=read.json(), headers={"If-Match": read.headers["ETag"]}
    )

    assert written.status_code == 200, written.text
    assert {k: v for k, v in written.json().items() if k not in ("as_of", "version")} == ACME
    assert written.headers["ETag"] == '"2"'


async def test_if_match_on_an_account_that_is_not_there_is_stale(feedback):
    # Deleted since it was read: replacing it would bring it back unknowingly.
    response = await feedback.http.put("/v1/accounts/acc-acme", json=ACME, headers={"If-Match": '"3"'})

    assert response.status_code == 412 and response.json()["current_version"] == 0
    assert await feedback.db["accounts"].count_documents({}) == 0


async def test_a_crm_update_moves_the_version_so_an_edit_based_on_the_older_state_is_stale(
    feedback, jetstream
):
    await feedback.http.put("/v1/accounts/acc-acme", json=ACME)
    crm = AccountUpdated.create(
        AccountUpdatedData(account=Account(**{**ACME, "plan": "growth"})), source="crm"
    )
    await publish(jetstream, crm)
    await eventually(
        lambda: consumer_settled(jetstream, streams.ACCOUNTS, "feedback-accounts"), what="applied"
    )

    edit = await feedback.http.put(
        "/v1/accounts/acc-acme", json={**ACME, "segment": "mid_market"}, headers={"If-Match": '"1"'}
    )

    assert edit.status_code == 412 and edit.json()["current_version"] == 2
    assert (await feedback.http.get("/v1/accounts/acc-acme")).json()["plan"] == "growth"


async def test_an_account_written_through_the_api_is_announced_as_account_updated(feedback, jetstream):
    await feedback.http.put("/v1/accounts/acc-acme", json=ACME)
    await feedback.service.relay.flush()

    [message] = await stored_messages(jetstream, streams.ACCOUNTS, AccountUpdated.subject)

    assert AccountUpdated.parse(message.data).data.account.account_id == "acc-acme"


async def test_crm_events_keep_the_latest_state_and_ignore_a_late_older_one(feedback, jetstream):
    newer = AccountUpdated.create(
        AccountUpdatedData(account=Account(**{**ACME, "plan": "growth"})), source="crm"
    )
    older = AccountUpdated(
        data=AccountUpdatedData(account=Account(**ACME)),
        source="crm",
        occurred_at=newer.occurred_at - timedelta(hours=1),
    )

    await publish(jetstream, newer, older)

    await eventually(
        lambda: consumer_settled(jetstream, streams.ACCOUNTS, "feedback-accounts"), what="applied"
    )
    assert (await feedback.db["accounts"].find_one({"_id": "acc-acme"}))["plan"] == "growth"


async def test_feedback_is_enriched_by_account_id_then_customer_domain_then_a_customer_reporter(
    feedback, jetstream
):
    await feedback.http.put("/v1/accounts/acc-acme", json=ACME)
    rep = {"name": "Sam Rivera", "email": "sam@acme.io", "role": ReporterRole.sales_rep}
    await publish(
        jetstream,
        *[
            submitted(s)
            for s in (
                submission("by-id", customer={"account_id": "acc-acme"}, reporter=rep),
                submission("by-customer-email", customer={"email": "ops@acme.io"}, reporter=rep),
                submission("by-customer-domain", customer={"domain": "acme.io"}, reporter=rep),
                submission(
                    "by-reporter", customer={"name": "Acme"}
                ),  # the reporter is the customer: dana@acme.io
                submission("rep-domain-is-not-the-customer", customer={"name": "Acme"}, reporter=rep),
            )
        ],
    )

    found = await eventually(lambda: _all(jetstream, 5), what="five items ingested")

    assert {k for k, v in found.items() if v and v["account_id"] == "acc-acme"} == {
        "by-id",
        "by-customer-email",
        "by-customer-domain",
        "by-reporter",
    }
    assert found["rep-domain-is-not-the-customer"] is None
    assert found["by-id"]["arr"] == {"amount_minor": 12_000_000, "currency": "EUR"}


async def _all(jetstream, count: int):
    found = await snapshots(jetstream)
    return found if len(found) >= count else None


async def test_an_arr_change_weights_feedback_from_then_on(feedback, jetstream):
    await feedback.http.put("/v1/accounts/acc-acme", json=ACME)
    await publish(jetstream, submitted(submission("before")))
    await eventually(lambda: intake_settled(jetstream), what="first item")

    raised = Account(**{**ACME, "arr": Money(amount_minor=30_000_000, currency="EUR")})
    await publish(jetstream, AccountUpdated.create(AccountUpdatedData(account=raised), source="crm"))
    await eventually(
        lambda: consumer_settled(jetstream, streams.ACCOUNTS, "feedback-accounts"), what="applied"
    )
    await publish(jetstream, submitted(submission("after", "A different need: audit logs")))

    found = await eventually(lambda: _all(jetstream, 2), what="both ingested")

    assert found["before"]["arr"]["amount_minor"] == 12_000_000  # its snapshot is not rewritten
    assert found["after"]["arr"]["amount_minor"] == 30_000_000
