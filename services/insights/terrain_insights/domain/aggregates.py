"""Aggregates per theme and per product area per hour and per day, as atomic increments.

An item's *contribution* (what it added, stored with the item) is what an
edit, a reclassification or an erasure takes back: ``ops(old, -1)`` then
``ops(new, +1)``. Every operation is ``$inc`` (and ``$set`` of the account's
latest ARR and segment), so concurrent replicas commute and per-event cost
does not depend on history. Unique accounts and ARR are read from the
per-account counters of the buckets (an account counts while its count > 0).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..classify import Classification

PERIODS = ("hour", "day")


def bucket_start(at: datetime, period: str) -> datetime:
    at = at.astimezone(timezone.utc)
    if period == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_id(scope: str, key: str, period: str, start: datetime) -> str:
    return f"{scope}:{key}:{period}:{start.strftime('%Y-%m-%dT%H')}"


def account_key(account_id: str) -> str:
    """Account ids may hold '.', a path separator in MongoDB field names ('%' never occurs in an id)."""
    return account_id.replace("%", "%25").replace(".", "%2E")


@dataclass(frozen=True)
class Account:
    account_id: str
    arr_minor: int | None = None
    currency: str | None = None
    segment: str | None = None
    renewal_date: date | None = None


def contribution(classification: Classification, occurred_at: datetime, account: Account | None) -> dict[str, Any]:
    """What one classified item adds to the aggregates (stored with the item to be taken back later)."""
    return {
        "themes": [m.theme for m in classification.themes],
        "areas": sorted({m.product_area for m in classification.themes}),
        "at": occurred_at,
        "account": account.account_id if account else None,
        "arr": account.arr_minor if account else None,
        "currency": account.currency if account else None,
        "segment": account.segment if account else None,
        "sentiment": classification.sentiment_score,
        "label": classification.sentiment.value,
        "category": classification.category.value,
    }


class Ops:
    """Pending increments per bucket document, merged so a batch writes each document once."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def add(self, contrib: dict[str, Any], sign: int) -> None:
        targets = [("theme", t) for t in contrib["themes"]] + [("area", a) for a in contrib["areas"]]
        if not contrib["themes"]:
            targets.append(("theme", "unassigned"))
        for scope, key in targets:
            for period in PERIODS:
                start = bucket_start(contrib["at"], period)
                doc = self.docs.setdefault(bucket_id(scope, key, period, start), {
                    "inc": {}, "set": {}, "insert": {"scope": scope, "key": key, "period": period, "start": start}})
                inc = doc["inc"]
                for field, amount in (("items", 1), ("sentiment_sum", contrib["sentiment"]),
                                      (f"sentiment.{contrib['label']}", 1), (f"category.{contrib['category']}", 1)):
                    inc[field] = inc.get(field, 0) + sign * amount
                if contrib["account"]:
                    path = f"accounts.{account_key(contrib['account'])}"
                    inc[f"{path}.n"] = inc.get(f"{path}.n", 0) + sign
                    if sign > 0:
                        doc["set"].update({f"{path}.arr": contrib["arr"], f"{path}.currency": contrib["currency"],
                                           f"{path}.segment": contrib["segment"]})

    def updates(self) -> list[tuple[str, dict[str, Any]]]:
        """(document id, update) pairs; increments that cancel out are dropped."""
        out = []
        for doc_id, doc in self.docs.items():
            inc = {k: v for k, v in doc["inc"].items() if v != 0}
            if not inc and not doc["set"]:
                continue
            update: dict[str, Any] = {"$setOnInsert": doc["insert"]}
            if inc:
                update["$inc"] = inc
            if doc["set"]:
                update["$set"] = doc["set"]
            out.append((doc_id, update))
        return out


@dataclass
class Demand:
    """Demand for one theme over a window: items, unique accounts and their ARR by currency."""

    theme: str
    items: int = 0
    sentiment_sum: float = 0.0
    accounts: dict[str, dict[str, Any]] | None = None

    @property
    def unique_accounts(self) -> int:
        return len(self.accounts or {})

    @property
    def arr_by_currency(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for account in (self.accounts or {}).values():
            if account.get("arr") is not None and account.get("currency"):
                totals[account["currency"]] = totals.get(account["currency"], 0) + int(account["arr"])
        return totals

    @property
    def arr_minor(self) -> int:
        """ARR summed across currencies: a ranking weight, never shown as an amount."""
        return sum(self.arr_by_currency.values())


def demand(theme: str, buckets: list[dict[str, Any]], segment: str | None = None) -> Demand:
    """Fold day buckets into a window's demand; with ``segment``, only accounts of that segment."""
    result = Demand(theme, accounts={})
    for bucket in buckets:
        if segment is None:
            result.items += int(bucket.get("items", 0))
            result.sentiment_sum += float(bucket.get("sentiment_sum", 0.0))
        for key, account in (bucket.get("accounts") or {}).items():
            if account.get("n", 0) <= 0 or (segment and account.get("segment") != segment):
                continue
            if segment is not None:
                result.items += int(account["n"])
            result.accounts[key] = account  # buckets come oldest first: the latest snapshot wins
    return result


def day_starts(until: datetime, days: int) -> list[datetime]:
    """Starts of the ``days`` day buckets ending with the one holding ``until``, oldest first."""
    last = bucket_start(until, "day")
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
