"""The only package that speaks MongoDB for the initiatives service; one module per aggregate.

Every function takes a :class:`UnitOfWork` and passes its session, so writes and
the events they imply commit together. Reads outside a transaction get
``UnitOfWork.read_only(db)`` (the kit's ``Reads`` at a route).
"""

from terrain_kit.mongo import Index, asc

TEAMS = "teams"
AREAS = "areas"
INITIATIVES = "initiatives"
HISTORY = "history"
LINKS = "links"
FEEDBACK = "feedback"
ERASED = "erased_feedback"
INSIGHTS = "insights"
DISMISSALS = "dismissed_suggestions"
DEPENDENCIES = "dependencies"
CYCLES = "cycles"
BALLOTS = "ballots"
VOTES = "votes"
META = "meta"
TRACKER_SYNCS = "tracker_syncs"
MEASUREMENTS = "metric_measurements"
CLASSIFIED = "classified_feedback"  # KPIs: which team each item reached, and when
LOOPS = "loops_closed"  # KPIs: reporters told that what they reported shipped

INDEXES = [
    Index(TEAMS, asc("kind", "_id")),
    Index(TEAMS, asc("parent_team_id")),
    Index(TEAMS, asc("members.member_id")),
    Index(AREAS, asc("team_id")),
    Index(INITIATIVES, asc("quarter", "priority")),
    Index(INITIATIVES, asc("owner_team_id", "quarter")),
    Index(INITIATIVES, asc("status", "quarter")),
    Index(INITIATIVES, asc("created_at")),
    Index(HISTORY, asc("initiative_id", "at")),
    Index(LINKS, asc("initiative_id", "linked_at")),
    Index(LINKS, asc("feedback_id")),
    Index(INSIGHTS, asc("theme")),
    Index(INSIGHTS, asc("initiative_id")),
    Index(DISMISSALS, asc("initiative_id")),
    Index(FEEDBACK, asc("proposed_initiative_id"), sparse=True),  # reporters' proposals, few items
    Index(DEPENDENCIES, asc("initiative_id")),
    Index(DEPENDENCIES, asc("on_initiative_id")),
    Index(DEPENDENCIES, asc("on_team_id", "state")),
    Index(DEPENDENCIES, asc("state", "answer_by")),
    Index(BALLOTS, asc("quarter")),
    Index(BALLOTS, asc("state", "closes_at")),
    Index(VOTES, asc("ballot_id", "director_id")),
    Index(MEASUREMENTS, asc("initiative_id", "at")),
    Index(CLASSIFIED, asc("quarter", "team_id")),
    Index(DISMISSALS, asc("feedback_id")),
    Index(LOOPS, asc("initiative_id")),
    Index(INITIATIVES, asc("tracker.name", "tracker.issue_key")),
    Index(TRACKER_SYNCS, asc("state", "next_at")),
    Index(TRACKER_SYNCS, asc("dead_letter.published")),
]
