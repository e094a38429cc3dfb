"""A theme's accounts over the demand window, kept current from the day buckets that changed.

Reading every (day, account) membership of a 30-day window costs a read per
account-day; the periodic detectors would pay it every run for every busy
theme. A window instead remembers, per day, the bucket's write count when its
memberships were read and the items per segment they held, and per account
its latest membership: a run re-reads only the days whose write count moved
(today, mostly) and merges them. The one change a merge cannot follow is a day
losing the latest item of an account (an erasure, an edit): the account's
previous day is unknown, so the theme is read whole again.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .aggregates import Demand


@dataclass
class Day:
    writes: int
    items_by_segment: dict[str | None, int]


@dataclass
class ThemeWindow:
    days: dict[datetime, Day] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # account -> its latest membership

    def stale(self, buckets: list[dict[str, Any]]) -> list[datetime]:
        """Days of these buckets whose memberships changed since they were read."""
        return [
            b["start"]
            for b in buckets
            if (day := self.days.get(b["start"])) is None or day.writes != b.get("writes", 0)
        ]

    def merge(self, start: datetime, writes: int, members: list[dict[str, Any]]) -> bool:
        """Take in one day's memberships as they now are; False when the window must be read whole again."""
        present = {m["account"] for m in members}
        if any(a["start"] == start and account not in present for account, a in self.accounts.items()):
            return False  # that account's latest item here is gone: its previous day is unknown
        items: dict[str | None, int] = {}
        for member in members:
            items[member.get("segment")] = items.get(member.get("segment"), 0) + int(member["n"])
            latest = self.accounts.get(member["account"])
            if latest is None or latest["start"] <= start:
                self.accounts[member["account"]] = member
        self.days[start] = Day(writes, items)
        return True

    def evict(self, since: datetime) -> None:
        """Forget what slid out of the window."""
        self.days = {start: day for start, day in self.days.items() if start >= since}
        self.accounts = {a: m for a, m in self.accounts.items() if m["start"] >= since}

    def demand(self, theme: str, buckets: list[dict[str, Any]], segment: str | None = None) -> Demand:
        """The window's demand (its day buckets give items and sentiment); with ``segment``, its accounts
        only."""
        result = Demand(theme)
        if segment is None:
            result.items = sum(int(b.get("items", 0)) for b in buckets)
            result.sentiment_sum = sum(float(b.get("sentiment_sum", 0.0)) for b in buckets)
            result.accounts = dict(self.accounts)
        else:
            result.items = sum(day.items_by_segment.get(segment, 0) for day in self.days.values())
            result.accounts = {a: m for a, m in self.accounts.items() if m.get("segment") == segment}
        return result

    def segments(self) -> set[str]:
        return {s for day in self.days.values() for s in day.items_by_segment if s}
