"""Aggregates per theme and per product area per hour and per day, as atomic increments.

An item's *contribution* (what it added, stored with the item) is what an
edit, a reclassification or an erasure takes back: ``ops.add(old, -1)`` then
``ops.add(new, +1)``. Every bucket write is ``$inc``, so concurrent replicas
commute, and bucket documents keep a constant size whatever the history.

Unique accounts and their ARR are tracked where demand is read, per theme and
day: one small *membership* document per (bucket, account) holds how many of
the account's items are in the bucket (``n``). The bucket's
``unique_accounts`` and ``arr.<currency>`` move only when a membership appears
(it is created) or disappears (``n`` back to 0), so an account counts
once per bucket however many items it sends, with the ARR it had when it first
appeared there.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .classify import Classification

PERIODS = ("hour", "day")
MEMBERSHIP_SCOPE = ("theme", "day")  # (scope, period) of the buckets that count unique accounts


def bucket_start(at: datetime, period: str) -> datetime:
    at = at.astimezone(UTC)
    if period == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_id(scope: str, key: str, period: str, start: datetime) -> str:
    return f"{scope}:{key}:{period}:{start.strftime('%Y-%m-%dT%H')}"


def membership_id(bucket: str, account_id: str) -> str:
    return f"{bucket}|{account_id}"  # bucket ids never hold '|'


@dataclass(frozen=True)
class Account:
    account_id: str
    arr_minor: int | None = None
    currency: str | None = None
    segment: str | None = None
    renewal_date: date | None = None


def contribution(
    classification: Classification, occurred_at: datetime, account: Account | None
) -> dict[str, Any]:
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


@dataclass
class Membership:
    """Pending change of one account's item count in one bucket."""

    bucket: str
    key: str
    start: datetime
    account: str
    delta: int = 0
    arr: int | None = None
    currency: str | None = None
    segment: str | None = None
    feedback_id: str | None = None  # the latest item added: evidence for demand insights

    def document(self, member_id: str) -> dict[str, Any]:
        """A new membership. ``arr`` and ``currency`` are what its bucket counted when the account appeared:
        taken back exactly when it disappears, whatever the account's later snapshots say."""
        return {
            "_id": member_id,
            "bucket": self.bucket,
            "key": self.key,
            "start": self.start,
            "account": self.account,
            "n": self.delta,
            "arr": self.arr,
            "currency": self.currency,
            **self.latest(),
        }

    def latest(self) -> dict[str, Any]:
        """What an existing membership takes from the batch's latest item: segment, evidence."""
        return {"segment": self.segment, **({"feedback_id": self.feedback_id} if self.feedback_id else {})}

    def arr_inc(self, sign: int) -> dict[str, int]:
        """What this account adds to (sign +1) or takes from (-1) its bucket when it appears or disappears."""
        if self.arr is None or not self.currency:
            return {"unique_accounts": sign}
        return {"unique_accounts": sign, f"arr.{self.currency}": sign * self.arr}


@dataclass
class Ops:
    """Pending increments per bucket and membership, merged so a batch writes each document once."""

    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, Membership] = field(default_factory=dict)

    def add(self, contrib: dict[str, Any], sign: int, feedback_id: str | None = None) -> None:
        targets = [("theme", t) for t in contrib["themes"]] + [("area", a) for a in contrib["areas"]]
        if not contrib["themes"]:
            targets.append(("theme", "unassigned"))
        for scope, key in targets:
            for period in PERIODS:
                start = bucket_start(contrib["at"], period)
                doc_id = bucket_id(scope, key, period, start)
                doc = self.docs.setdefault(
                    doc_id,
                    {"inc": {}, "insert": {"scope": scope, "key": key, "period": period, "start": start}},
                )
                inc = doc["inc"]
                for name, amount in (
                    ("items", 1),
                    ("sentiment_sum", contrib["sentiment"]),
                    (f"sentiment.{contrib['label']}", 1),
                    (f"category.{contrib['category']}", 1),
                ):
                    inc[name] = inc.get(name, 0) + sign * amount
                if contrib["account"] and (scope, period) == MEMBERSHIP_SCOPE:
                    self._member(doc_id, key, start, contrib, sign, feedback_id)

    def _member(
        self,
        bucket: str,
        key: str,
        start: datetime,
        contrib: dict[str, Any],
        sign: int,
        feedback_id: str | None,
    ) -> None:
        account = contrib["account"]
        member = self.members.setdefault(
            membership_id(bucket, account), Membership(bucket, key, start, account)
        )
        member.delta += sign
        if sign > 0:  # the latest snapshot of the batch is the one a new membership records
            member.arr, member.currency, member.segment = (
                contrib["arr"],
                contrib["currency"],
                contrib["segment"],
            )
            member.feedback_id = feedback_id or member.feedback_id

    def membership_changes(self) -> tuple[dict[str, Membership], dict[str, Membership]]:
        """(memberships gaining items, memberships losing items); those whose changes cancel out are left."""
        gaining = {i: m for i, m in self.members.items() if m.delta > 0}
        losing = {i: m for i, m in self.members.items() if m.delta < 0}
        return gaining, losing

    def bucket_updates(
        self, appeared: list[Membership], disappeared: list[Membership], now: datetime
    ) -> list[tuple[str, dict[str, Any]]]:
        """(document id, update) pairs, with the accounts that appeared in or left each bucket.

        Increments that cancel out are dropped. Buckets that count accounts record when they were last
        written and how many times: the periodic unowned-demand detector looks at those that changed.
        """
        incs = {doc_id: dict(doc["inc"]) for doc_id, doc in self.docs.items()}
        for members, sign in ((appeared, +1), (disappeared, -1)):
            for member in members:
                inc = incs.setdefault(member.bucket, {})
                for name, amount in member.arr_inc(sign).items():
                    inc[name] = inc.get(name, 0) + amount
        out = []
        for doc_id, inc in incs.items():
            inc = {k: v for k, v in inc.items() if v != 0}
            if not inc:
                continue
            insert = self.docs[doc_id]["insert"]  # memberships only ever come from these buckets
            update: dict[str, Any] = {"$inc": inc, "$setOnInsert": insert}
            if (insert["scope"], insert["period"]) == MEMBERSHIP_SCOPE:
                # When and how often it changed: the unowned-demand detector looks again only at those.
                update["$max"] = {"touched_at": now}
                inc["writes"] = 1
            out.append((doc_id, update))
        return out


@dataclass
class Demand:
    """Demand for one theme over a window: items, unique accounts and their ARR by currency."""

    theme: str
    items: int = 0
    sentiment_sum: float = 0.0
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def unique_accounts(self) -> int:
        return len(self.accounts)

    @property
    def arr_by_currency(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for account in self.accounts.values():
            if account.get("arr") is not None and account.get("currency"):
                totals[account["currency"]] = totals.get(account["currency"], 0) + int(account["arr"])
        return totals

    @property
    def arr_minor(self) -> int:
        """ARR summed across currencies: a ranking weight, never shown as an amount."""
        return sum(self.arr_by_currency.values())

    def evidence(self, limit: int) -> list[str]:
        """The latest item of each account asking, most recent accounts first."""
        latest = sorted(self.accounts.values(), key=lambda a: a["start"], reverse=True)
        return [a["feedback_id"] for a in latest if a.get("feedback_id")][:limit]


def demand(
    theme: str, buckets: list[dict[str, Any]], members: list[dict[str, Any]], segment: str | None = None
) -> Demand:
    """Fold a window's day buckets and account memberships into demand; with ``segment``, only its
    accounts."""
    result = Demand(theme)
    if segment is None:
        for bucket in buckets:
            result.items += int(bucket.get("items", 0))
            result.sentiment_sum += float(bucket.get("sentiment_sum", 0.0))
    for member in sorted(members, key=lambda m: m["start"]):  # the latest snapshot of an account wins
        if member.get("n", 0) <= 0 or (segment is not None and member.get("segment") != segment):
            continue
        if segment is not None:
            result.items += int(member["n"])
        result.accounts[member["account"]] = member
    return result


def ranked(
    buckets: dict[str, list[dict[str, Any]]],
    members: dict[str, list[dict[str, Any]]],
    segment: str | None = None,
) -> list[Demand]:
    return by_demand(
        [demand(theme, buckets.get(theme, []), members.get(theme, []), segment) for theme in buckets]
    )


def by_demand(found: list[Demand]) -> list[Demand]:
    """Themes with demand, most first: ARR of the accounts asking, then unique accounts, then items."""
    return sorted(
        [d for d in found if d.items > 0], key=lambda d: (-d.arr_minor, -d.unique_accounts, -d.items, d.theme)
    )


def day_starts(until: datetime, days: int) -> list[datetime]:
    """Starts of the ``days`` day buckets ending with the one holding ``until``, oldest first."""
    last = bucket_start(until, "day")
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
