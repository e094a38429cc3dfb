"""Event-driven detectors on the real servers: spikes and churn risk (unowned demand: test_unowned_demand)."""

from datetime import date, timedelta

import pytest
from terrain_contracts import subjects
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import hours_ago, ingested, insights_of, settled

pytestmark = pytest.mark.integration

INVOICE_TEXTS = [
    "The invoice PDF shows the wrong VAT amount",
    "Our invoice is missing the purchase order number",
    "La facture de ce mois contient une erreur de TVA",
    "Invoice totals do not match the quote",
    "Impossible de télécharger la facture de mars",
    "The invoice address is wrong again",
    "Invoices are not sent to our finance team",
    "La facture PDF est vide",
]


async def test_a_burst_of_same_theme_feedback_raises_one_spike_insight_which_then_updates(
    insights, jetstream
):
    await publish(
        jetstream, *[ingested(text, account_id=f"acc-{i}") for i, text in enumerate(INVOICE_TEXTS[:6])]
    )

    [detected] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_DETECTED, "spike"), what="spike detected"
    )
    assert detected["insight"]["kind"] == "spike"
    assert detected["insight"]["theme"] == "invoices"
    assert detected["insight"]["metrics"]["items"] >= 5
    first_count = detected["insight"]["metrics"]["items"]

    more = [ingested(f"{text} (bis)", account_id=f"acc-more-{i}") for i, text in enumerate(INVOICE_TEXTS * 2)]
    await publish(jetstream, *more)
    await eventually(lambda: settled(jetstream), what="burst consumed")

    updates = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_UPDATED, "spike"), what="spike updated"
    )
    spikes = await insights_of(jetstream, subjects.INSIGHT_DETECTED, "spike")
    assert len(spikes) == 1
    assert {u["insight"]["dedup_key"] for u in updates} == {detected["insight"]["dedup_key"]}
    assert updates[-1]["insight"]["version"] > 1
    assert updates[-1]["insight"]["metrics"]["items"] > first_count
    stored = await insights.db["insights"].find({"kind": "spike"}).to_list(None)
    assert len(stored) == 1 and stored[0]["version"] == updates[-1]["insight"]["version"]


async def test_one_then_three_items_raise_no_spike(insights, jetstream):
    await publish(jetstream, ingested(INVOICE_TEXTS[0], occurred_at=hours_ago(1)))
    await publish(jetstream, *[ingested(text) for text in INVOICE_TEXTS[1:4]])
    await eventually(lambda: settled(jetstream), what="items consumed")
    await eventually(lambda: _count(insights, 4), what="four items classified")

    assert await insights_of(jetstream, subjects.INSIGHT_DETECTED, "spike") == []
    assert await insights.db["insights"].count_documents({"kind": "spike"}) == 0


async def _count(insights, expected: int) -> bool:
    return await insights.db["items"].count_documents({"classification.themes.theme": "invoices"}) == expected


async def test_negative_feedback_from_an_account_renewing_soon_raises_a_churn_risk(insights, jetstream):
    renewal = date.today() + timedelta(days=20)
    await publish(
        jetstream,
        ingested(
            "This is unacceptable, the export is broken again, we will cancel",
            account_id="bigco",
            arr_minor=12_000_000,
            renewal=renewal,
        ),
    )

    [detected] = await eventually(
        lambda: insights_of(jetstream, subjects.INSIGHT_DETECTED, "churn_risk"), what="churn risk"
    )
    insight = detected["insight"]
    assert insight["kind"] == "churn_risk"
    assert insight["severity"] == "critical"  # high ARR and renewing within the window
    assert insight["account_id"] == "bigco"
    assert "EUR 120,000" in insight["summary"] and renewal.isoformat() in insight["summary"]
