"""What the theme views show, computed from bucket documents: volume against the period before, and trends."""

from datetime import datetime, timedelta
from typing import Any

from .taxonomy import Taxonomy


def _items(doc: dict[str, Any] | None) -> int:
    return int((doc or {}).get("items", 0))


def theme_volumes(
    taxonomy: Taxonomy, owners: dict[str, str], docs: list[dict[str, Any]], today: datetime, days: int
) -> list[dict[str, Any]]:
    """Every theme with its area, owning team (null: unowned), and daily volume over ``days`` vs the days
    before, from the theme-day buckets ``docs`` of the last ``2 * days`` days."""
    series: dict[str, dict[datetime, dict[str, Any]]] = {}
    for doc in docs:
        series.setdefault(doc["key"], {})[doc["start"]] = doc
    recent = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
    earlier = [day - timedelta(days=days) for day in recent]
    out = []
    for area, theme in taxonomy.themes:
        by_day = series.get(theme.slug, {})
        current = sum(_items(by_day.get(d)) for d in recent)
        previous = sum(_items(by_day.get(d)) for d in earlier)
        out.append(
            {
                "theme": theme.slug,
                "name": theme.name,
                "product_area": area,
                "owning_team_id": owners.get(area),
                "unowned": area not in owners,
                "items": current,
                "previous_items": previous,
                "change": None if previous == 0 else round((current - previous) / previous, 3),
                "daily": [{"day": d.date().isoformat(), "items": _items(by_day.get(d))} for d in recent],
            }
        )
    return out


def trend_points(docs: list[dict[str, Any]], starts: list[datetime], period: str) -> list[dict[str, Any]]:
    """One point per bucket start: items, sentiment, kinds; per day also unique accounts and ARR."""
    by_start = {d["start"]: d for d in docs}
    points = []
    for start in starts:
        doc = by_start.get(start, {})
        items_count = _items(doc)
        point = {
            "start": start,
            "items": items_count,
            "sentiment_mean": round(doc.get("sentiment_sum", 0.0) / items_count, 3) if items_count else None,
            "sentiment": doc.get("sentiment", {}),
            "categories": doc.get("category", {}),
        }
        if period == "day":  # accounts are counted per day (hour buckets count items only)
            point |= {
                "unique_accounts": int(doc.get("unique_accounts", 0)),
                "arr_minor_by_currency": {c: a for c, a in doc.get("arr", {}).items() if a},
            }
        points.append(point)
    return points


def trend_starts(last: datetime, period: str, buckets: int) -> list[datetime]:
    step = timedelta(hours=1) if period == "hour" else timedelta(days=1)
    return [last - step * n for n in range(buckets - 1, -1, -1)]
