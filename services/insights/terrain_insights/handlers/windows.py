"""The demand windows of the periodic detectors' replica: each theme's accounts over the demand window, read
once, then kept current from the day buckets whose write count moved (see ``domain.windows``).

Held in memory by the replica holding the detectors lease; another replica taking over starts empty and reads
each theme whole on its first look. Not on the per-event path.
"""

from datetime import datetime
from typing import Any

from terrain_kit.uow import UnitOfWork

from ..domain.aggregates import day_starts
from ..domain.windows import ThemeWindow
from ..store import aggregates


class DemandWindows:
    def __init__(self, days: int) -> None:
        self.days = days
        self.themes: dict[str, ThemeWindow] = {}

    def changed(self, touched: dict[str, tuple[str, datetime, int]]) -> list[str]:
        """Themes of these day buckets ({id: (theme, start, writes)}) whose write count moved since read."""
        return sorted(
            {
                theme
                for theme, start, writes in touched.values()
                if (window := self.themes.get(theme)) is None
                or (day := window.days.get(start)) is None
                or day.writes != writes
            }
        )

    async def current(
        self, uow: UnitOfWork, themes: list[str] | None, now: datetime
    ) -> dict[str, tuple[ThemeWindow, list[dict[str, Any]]]]:
        """These themes' windows (every theme with demand in the window by default), with their day
        buckets."""
        since = day_starts(now, self.days)[0]
        empty: dict[str, list[dict[str, Any]]] = {theme: [] for theme in themes or []}
        buckets = empty | await aggregates.theme_days(uow, since, now, themes)
        stale = {t: self.themes[t].stale(b) for t, b in buckets.items() if t in self.themes}
        days = await aggregates.members_on(
            uow, [(t, start) for t, starts in stale.items() for start in starts]
        )
        whole = [t for t in buckets if t not in self.themes]
        for theme, starts in stale.items():
            window = self.themes[theme]
            writes = {b["start"]: b.get("writes", 0) for b in buckets[theme]}
            if not all(window.merge(start, writes[start], days.get((theme, start), [])) for start in starts):
                whole.append(theme)
        if whole:
            read = await aggregates.members(uow, whole, since)
            for theme in whole:
                self.themes[theme] = window = ThemeWindow()
                by_day: dict[datetime, list[dict[str, Any]]] = {b["start"]: [] for b in buckets[theme]}
                for member in read[theme]:
                    by_day.setdefault(member["start"], []).append(member)
                writes = {b["start"]: b.get("writes", 0) for b in buckets[theme]}
                for start in sorted(by_day):
                    window.merge(start, writes.get(start, -1), by_day[start])
        for theme in [t for t in self.themes if t not in buckets and themes is None]:
            del self.themes[theme]  # no demand left in the window
        for theme in buckets:
            self.themes[theme].evict(since)
        return {theme: (self.themes[theme], buckets[theme]) for theme in buckets}
