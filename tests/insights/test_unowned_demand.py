"""The unowned-demand detector on the real servers: raised, updated on a step, resolved by a covering
initiative, following erasures."""

from datetime import UTC, datetime

import pytest
from terrain_contracts import subjects
from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData
from terrain_contracts.events.initiative import (
    InitiativeShipped,
    InitiativeShippedData,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
)
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import briefing, hours_ago, ingested, insights_of, settled

pytestmark = pytest.mark.integration


def committed_on_sso() -> InitiativeStatusChanged:
    data = InitiativeStatusChangedData(
        initiative=briefing(InitiativeStatus.committed, ["sso"], 2),
        from_status=InitiativeStatus.aligned,
        to_status=InitiativeStatus.committed,
        changed_by="director-1",
    )
    return InitiativeStatusChanged.create(data, source="initiatives")


async def test_unowned_demand_disappears_when_an_initiative_covering_the_theme_is_committed(
    insights, jetstream
):
    texts = [
        "We need SAML single sign-on with Okta",
        "Notre RSSI exige le SSO avec Azure AD",
        "SSO is mandatory for our security review",
        "Support SCIM provisioning from Okta please",
    ]
    await publish(
        jetstream,
        *[ingested(text, account_id=f"corp-{i}", occurred_at=hours_ago(48)) for i, text in enumerate(texts)],
    )

    async def unowned():
        return await insights_of(jetstream, subjects.INSIGHT_DETECTED, "unowned_demand")

    [detected] = await eventually(unowned, what="unowned demand detected")
    assert detected["insight"]["theme"] == "sso"
    assert detected["insight"]["metrics"]["accounts"] >= 3
    assert detected["insight"]["status"] == "open"

    await publish(jetstream, committed_on_sso())

    [resolved] = await eventually(lambda: insights_of(jetstream, subjects.INSIGHT_RESOLVED), what="resolved")
    assert resolved["insight"]["insight_id"] == detected["insight"]["insight_id"]
    assert resolved["insight"]["status"] == "resolved"
    assert "ini-sso" in resolved["reason"]
    page = (
        await insights.http.get("/v1/insights", params={"kind": "unowned_demand", "status": "open"})
    ).json()
    assert page["items"] == []

    # More demand on the covered theme raises nothing new.
    await publish(jetstream, ingested("SAML login for our Okta tenant", account_id="corp-9"))
    await eventually(lambda: settled(jetstream), what="consumed")
    await next_unowned_run(insights)
    assert len(await unowned()) == 1
    assert await insights_of(jetstream, subjects.INSIGHT_UPDATED, "unowned_demand") == []


async def next_unowned_run(svc) -> None:
    """Wait for a run of the periodic unowned-demand detector that started after everything committed so
    far."""
    now = datetime.now(UTC)

    async def ran() -> bool:
        state = await svc.db["job_runs"].find_one({"_id": "unowned-demand"})
        return state is not None and state["ran_at"] > now

    await eventually(ran, what="unowned-demand detector ran")


async def test_unowned_demand_is_updated_when_the_accounts_asking_cross_a_step(insights, jetstream):
    texts = [
        "The invoice PDF shows the wrong VAT amount",
        "Our invoice is missing the purchase order number",
        "La facture de ce mois contient une erreur de TVA",
        "Invoice totals do not match the quote",
        "Impossible de télécharger la facture de mars",
        "The invoice address is wrong again",
    ]
    old = hours_ago(30)  # demand, not a spike
    await publish(
        jetstream, *[ingested(t, account_id=f"buyer-{n}", occurred_at=old) for n, t in enumerate(texts[:3])]
    )
    [detected] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_DETECTED, "unowned_demand"),
        what="unowned demand detected",
    )
    assert detected["insight"]["metrics"]["accounts"] == 3
    assert detected["insight"]["severity"] == "critical"  # no team owns billing
    assert set(detected["insight"]["evidence_feedback_ids"]) == {
        d["_id"] for d in await insights.db["items"].find({}, {"_id": 1}).to_list(None)
    }

    # A fourth account, and more items from the same three: not a new step, no update.
    await publish(
        jetstream,
        ingested(texts[3], account_id="buyer-3", occurred_at=old),
        ingested(texts[4], account_id="buyer-0", occurred_at=old),
    )
    await eventually(lambda: settled(jetstream), what="consumed")
    await next_unowned_run(insights)
    assert await insights_of(jetstream, subjects.INSIGHT_UPDATED, "unowned_demand") == []

    await publish(jetstream, ingested(texts[5], account_id="buyer-5", occurred_at=old))
    [updated] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_UPDATED, "unowned_demand"),
        what="unowned demand updated at five accounts",
    )
    assert updated["insight"]["metrics"]["accounts"] == 5
    assert updated["insight"]["version"] == 2
    assert updated["insight"]["insight_id"] == detected["insight"]["insight_id"]


async def test_several_themes_asked_for_at_once_each_raise_their_own_unowned_demand(insights, jetstream):
    old = hours_ago(30)
    sso = [
        "We need SAML single sign-on with Okta",
        "Notre RSSI exige le SSO avec Azure AD",
        "SSO is mandatory for our security review",
    ]
    invoices = [
        "The invoice PDF shows the wrong VAT amount",
        "Our invoice is missing the purchase order number",
        "La facture de ce mois contient une erreur de TVA",
    ]
    await publish(
        jetstream,
        *[ingested(t, account_id=f"corp-{n}", occurred_at=old) for n, t in enumerate(sso)],
        *[ingested(t, account_id=f"buyer-{n}", occurred_at=old) for n, t in enumerate(invoices)],
    )

    async def both():
        found = await insights_of(jetstream, subjects.INSIGHT_DETECTED, "unowned_demand")
        return found if len(found) == 2 else None

    found = await eventually(both, what="unowned demand for both themes")
    assert sorted(d["insight"]["theme"] for d in found) == ["invoices", "sso"]
    assert all(d["insight"]["metrics"]["accounts"] == 3 for d in found)


async def test_unowned_demand_follows_an_account_leaving_when_its_only_item_is_erased(insights, jetstream):
    texts = [
        "The invoice PDF shows the wrong VAT amount",
        "Our invoice is missing the purchase order number",
        "La facture de ce mois contient une erreur de TVA",
        "Invoice totals do not match the quote",
        "Impossible de télécharger la facture de mars",
    ]
    old = hours_ago(30)
    await publish(
        jetstream,
        *[
            ingested(t, feedback_id=f"inv-{n}", account_id=f"buyer-{n}", occurred_at=old)
            for n, t in enumerate(texts)
        ],
    )
    [detected] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_DETECTED, "unowned_demand"),
        what="unowned demand detected",
    )
    assert detected["insight"]["metrics"]["accounts"] == 5

    await publish(
        jetstream,
        FeedbackErased.create(
            FeedbackErasedData(
                erasure_id="er-inv",
                account_id="buyer-4",
                feedback_ids=["inv-4"],
                part=1,
                parts=1,
                reason="GDPR request",
                requested_by="dpo",
            ),
            source="feedback",
        ),
    )
    [updated] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_UPDATED, "unowned_demand"),
        what="unowned demand updated",
    )
    assert updated["insight"]["metrics"]["accounts"] == 4  # below the step of 5
    assert "inv-4" not in updated["insight"]["evidence_feedback_ids"]


async def test_demand_an_initiative_just_shipped_answered_is_not_unowned(insights, jetstream):
    await publish(
        jetstream,
        InitiativeShipped.create(
            InitiativeShippedData(
                initiative=briefing(InitiativeStatus.shipped, ["sso"], 3),
                release_note="SAML SSO is live.",
                linked_feedback_ids=[],
                shipped_at=datetime.now(UTC),
                shipped_by="m-pm",
            ),
            source="initiatives",
        ),
    )
    texts = [
        "We need SAML single sign-on with Okta",
        "Notre RSSI exige le SSO avec Azure AD",
        "SSO is mandatory for our security review",
        "Support SCIM provisioning from Okta please",
    ]
    await publish(
        jetstream,
        *[ingested(text, account_id=f"corp-{i}", occurred_at=hours_ago(48)) for i, text in enumerate(texts)],
    )
    await eventually(lambda: settled(jetstream), what="consumed")

    await next_unowned_run(insights)

    assert await insights_of(jetstream, subjects.INSIGHT_DETECTED, "unowned_demand") == []
