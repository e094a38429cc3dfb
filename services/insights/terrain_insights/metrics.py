"""Domain metrics of the insights service. Labels are low-cardinality: never an id, a theme or an account."""

from prometheus_client import Counter, Histogram

ITEMS_CLASSIFIED = Counter(
    "terrain_insights_items_classified_total", "Feedback items classified.", ["outcome", "category"]
)  # outcome: assigned, unassigned
INSIGHTS = Counter("terrain_insights_insights_total", "Insights emitted.", ["kind", "severity", "change"])
CLASSIFY_SECONDS = Histogram(
    "terrain_insights_classify_seconds",
    "Time to classify one batch of items.",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
)
REPLAYED = Counter("terrain_insights_replayed_items_total", "Items reclassified by a replay.", ["moved"])
