"""Evidence summaries and the priority score, as pure rules."""

from datetime import UTC, datetime, timedelta

import pytest
from terrain_initiatives.domain.evidence import (
    LinkedItem,
    Summary,
    Weights,
    priority,
    reference_arr,
    summarize,
)

pytestmark = pytest.mark.unit

T = datetime(2026, 11, 1, tzinfo=UTC)
WEIGHTS = Weights(
    arr=1.0,
    accounts=1.0,
    votes=1.0,
    arr_unit=1000,
    size_factors={"m": 0.75, "xs": 1.0},
    currency_rates={"EUR": 1.0, "USD": 0.5, "JPY": 0.01},
)


def test_each_account_counts_once_with_its_most_recent_arr():
    summary = summarize(
        [
            LinkedItem("f1", "acme", 100_00, "EUR", T),
            LinkedItem("f2", "acme", 150_00, "EUR", T + timedelta(days=1)),
            LinkedItem("f3", "globex", 70_00, "USD", T),
            LinkedItem("f4", "initech", None, None, T),
            LinkedItem("f5"),  # linked before its ingestion arrived
        ]
    )
    assert summary == Summary(
        items=5, known_items=4, unique_accounts=3, arr_by_currency={"EUR": 150_00, "USD": 70_00}
    )


def test_arr_is_converted_with_minor_units_of_each_currency_and_unknown_currencies_left_out():
    assert reference_arr(
        {"EUR": 100_00, "USD": 100_00, "JPY": 1000, "XYZ": 5_000_00}, WEIGHTS.currency_rates
    ) == (pytest.approx(100 + 50 + 10))


def test_the_priority_is_the_documented_formula():
    summary = Summary(items=3, known_items=3, unique_accounts=3, arr_by_currency={"EUR": 99_000_00})
    # (log10(1 + 99) + log2(1 + 3) + 2) * 0.75
    assert priority(summary, 2.0, "m", WEIGHTS) == pytest.approx(4.5)
    assert priority(Summary(), None, "xs", WEIGHTS) == 0.0


def test_weights_change_the_balance():
    summary = Summary(items=1, known_items=1, unique_accounts=1, arr_by_currency={"EUR": 9_000_00})
    votes_only = Weights(**{**WEIGHTS.__dict__, "arr": 0.0, "accounts": 0.0, "votes": 2.0})
    assert priority(summary, 3.0, "xs", votes_only) == pytest.approx(6.0)
