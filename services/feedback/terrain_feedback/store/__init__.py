"""The only package that speaks MongoDB for the feedback service; one module per aggregate.

Every write takes the unit of work and passes its session, so writes and the events they imply commit
together. Routes read with ``terrain_kit.api.Reads`` (a unit of work outside any transaction).
"""

from pymongo import DESCENDING
from terrain_kit.mongo import Index, asc

FEEDBACK = "feedback"
ACCOUNTS = "accounts"
ERASED = "erased"  # tombstones: feedback ids erased on request, never ingested again
ERASURES = "erasures"
# What became of items, from other services' events (for "my feedback"): keyed by feedback or initiative id.
THEMES = "themes"  # feedback.classified: the best theme of the latest revision
LINKS = "initiative_links"  # initiative.feedback_linked / unlinked
INITIATIVES = "initiatives"  # the briefing's title and status, from initiative.* events

# Every index slows writes on the local Mongo-wire server (~1,750 docs/s with none, ~650 with four):
# only what queries need. The _id is derived from (source, external_id), so it is their unique index;
# dup_key is "account:<id>" whenever an item has an account, so it also serves the account filter.
INDEXES = [
    Index(FEEDBACK, (("occurred_at", DESCENDING), ("_id", DESCENDING))),
    Index(FEEDBACK, asc("dup_key", "occurred_at")),
    Index(ACCOUNTS, asc("domains")),
    Index(FEEDBACK, asc("reporter.member_id", "occurred_at")),  # "my feedback"
    Index(LINKS, asc("feedback_id")),
]
