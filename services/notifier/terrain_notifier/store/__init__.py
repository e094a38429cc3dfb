"""The only package that speaks MongoDB for the notifier; declares its indexes.

Every function takes a unit of work (``uow[collection]``, ``uow.session``); reads outside a
transaction are given ``UnitOfWork.read_only(db)``. The dispatcher's claims and the periodic jobs'
look-ups run outside any transaction, on the database itself.
"""

from terrain_kit.mongo import Index, asc

TEAMS = "teams"
REPORTERS = "reporters"
RULES = "rules"
PREFERENCES = "preferences"
SUBSCRIPTIONS = "subscriptions"
SITUATIONS = "situations"
DELIVERIES = "deliveries"
INBOX = "inbox"
DIGEST_ITEMS = "digest_items"
LOOPS = "loops"
COUNTERS = "counters"
THROTTLE = "throttle"
LINKS = "links"  # which feedback items each initiative links (for its lifecycle steps)

INDEXES = [
    Index(DELIVERIES, asc("status", "next_attempt_at")),
    Index(DELIVERIES, asc("recipient_id", "channel", "created_at")),
    Index(DELIVERIES, asc("insight_ids")),
    Index(DELIVERIES, asc("initiative_id")),
    Index(DELIVERIES, asc("dead_letter.published"), sparse=True),
    Index(INBOX, asc("member_id", "created_at")),
    Index(DIGEST_ITEMS, asc("status", "due_at")),
    Index(SITUATIONS, asc("escalation.due_at"), sparse=True),
    Index(SUBSCRIPTIONS, asc("member_id")),
    Index(LOOPS, asc("initiative_id")),
    Index(LOOPS, asc("owner_team_id", "status")),
    Index(LOOPS, asc("reporter_key", "status")),
    Index(THROTTLE, asc("expires_at"), ttl_seconds=0),
    Index(LINKS, asc("initiative_id", "linked")),
    Index(LINKS, asc("feedback_id")),
]
