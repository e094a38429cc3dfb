"""The only code of the insights service that speaks MongoDB. Every function takes the unit of work."""

from terrain_kit.mongo import Index, asc

TAXONOMY = "taxonomy_versions"
ITEMS = "items"
AGGREGATES = "aggregates"
MEMBERSHIPS = "bucket_accounts"  # (theme-day bucket, account) with its item count
INSIGHTS = "insights"
SITUATIONS = "situations"
TEAMS = "teams"
INITIATIVES = "initiatives"
LINKS = "evidence_links"
CANDIDATES = "candidates"
REPLAYS = "replays"
JOB_RUNS = "job_runs"  # where periodic jobs left off
LEARNED = "learned_examples"  # corrected items, examples of their theme
LEARNING = "learning"  # the revision of the learned examples

# Dropped by the start-up upgrade: every item write paid for them, no query used the first, and the second
# indexed every item where clustering needs the unassigned ones only.
OBSOLETE_INDEXES = [(ITEMS, "classification.taxonomy_version_1"), (ITEMS, "unassigned_1_occurred_at_1")]

INDEXES = [
    Index(ITEMS, asc("unassigned_at"), sparse=True),  # clustering's input; assigned items are not in it
    Index(AGGREGATES, asc("scope", "period", "start")),
    Index(AGGREGATES, asc("touched_at"), sparse=True),  # only theme-day buckets carry it
    Index(MEMBERSHIPS, asc("key", "start")),
    Index(INSIGHTS, asc("dedup_key"), unique=True),
    Index(INSIGHTS, asc("situation")),
    Index(INSIGHTS, asc("status", "detected_at")),
    Index(INSIGHTS, asc("kind", "detected_at")),
    Index(TEAMS, asc("areas")),
    Index(INITIATIVES, asc("status")),
    Index(LINKS, asc("initiative_id", "linked_at")),
    Index(CANDIDATES, asc("status", "size")),
    Index(REPLAYS, asc("status", "requested_at")),
    Index(LEARNED, asc("at")),
]
