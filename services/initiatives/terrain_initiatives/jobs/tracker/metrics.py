"""The tracker's metrics (low-cardinality labels: the tracker and an outcome, never an issue key)."""

from prometheus_client import Counter

CREATIONS = Counter(
    "terrain_initiatives_tracker_issues_total",
    "Issues created for committed initiatives, by outcome (created, retried, failed).",
    ["tracker", "outcome"],
)
LINKS = Counter("terrain_initiatives_tracker_links_total", "Existing issues linked by hand.", ["tracker"])
WEBHOOKS = Counter(
    "terrain_initiatives_tracker_webhooks_total",
    "Tracker webhooks, by outcome (moved, unchanged, unknown_issue, unmapped, not_committed, ignored, "
    "unauthorized, invalid, too_large, disabled).",
    ["tracker", "outcome"],
)
