"""Evidence summaries and the priority score (formula documented in the service README)."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# ISO 4217 currencies whose minor unit is the major unit; every other one has cents.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "CLP", "VND", "ISK", "UGX", "XAF", "XOF"})


@dataclass(frozen=True)
class LinkedItem:
    """What is known of one linked piece of feedback (nothing until its feedback.ingested arrives)."""

    feedback_id: str
    account_id: str | None = None
    arr_minor: int | None = None
    currency: str | None = None
    ingested_at: datetime | None = None

    @property
    def known(self) -> bool:
        return self.ingested_at is not None


@dataclass(frozen=True)
class Summary:
    items: int = 0
    known_items: int = 0  # linked items whose feedback.ingested was seen
    unique_accounts: int = 0
    arr_by_currency: dict[str, int] = field(default_factory=dict)  # minor units, one snapshot per account

    def as_document(self) -> dict:
        return {
            "items": self.items,
            "known_items": self.known_items,
            "unique_accounts": self.unique_accounts,
            "arr_by_currency": dict(sorted(self.arr_by_currency.items())),
        }


def summarize(items: Iterable[LinkedItem]) -> Summary:
    """Items, unique accounts and ARR by currency, each account's ARR counted once.

    An account's ARR is taken from its most recently ingested linked item, so a
    renewal seen in newer feedback replaces the older snapshot rather than adding to it.
    """
    items = list(items)
    latest: dict[str, LinkedItem] = {}
    for item in items:
        if not item.known or item.account_id is None:
            continue
        held = latest.get(item.account_id)
        if held is None or (item.ingested_at, item.feedback_id) > (held.ingested_at, held.feedback_id):
            latest[item.account_id] = item
    arr: dict[str, int] = {}
    for item in latest.values():
        if item.arr_minor is not None and item.currency is not None:
            arr[item.currency] = arr.get(item.currency, 0) + item.arr_minor
    return Summary(
        items=len(items),
        known_items=sum(1 for i in items if i.known),
        unique_accounts=len(latest),
        arr_by_currency=arr,
    )


def to_major(amount_minor: int, currency: str) -> float:
    return float(amount_minor) if currency in ZERO_DECIMAL else amount_minor / 100


@dataclass(frozen=True)
class Weights:
    arr: float
    accounts: float
    votes: float
    arr_unit: int
    size_factors: Mapping[str, float]
    currency_rates: Mapping[str, float]


def reference_arr(arr_by_currency: Mapping[str, int], rates: Mapping[str, float]) -> float:
    """Linked ARR in the reference currency; currencies without a configured rate are left out."""
    return sum(
        to_major(amount, currency) * rates[currency]
        for currency, amount in arr_by_currency.items()
        if currency in rates
    )


def priority(summary: Summary, vote_average: float | None, size: str, weights: Weights) -> float:
    """(w_arr * log10(1 + ARR/unit) + w_accounts * log2(1 + accounts) + w_votes * votes) * size factor."""
    arr = reference_arr(summary.arr_by_currency, weights.currency_rates)
    value = (
        weights.arr * math.log10(1 + arr / weights.arr_unit)
        + weights.accounts * math.log2(1 + summary.unique_accounts)
        + weights.votes * (vote_average or 0.0)
    )
    return round(value * weights.size_factors.get(size, 1.0), 4)
