"""Domain metrics of the initiatives service (low-cardinality labels only, never an id)."""

from prometheus_client import Counter, Gauge

TRANSITIONS = Counter("terrain_initiatives_transitions_total", "Initiative status changes.", ["to"])
REFUSALS = Counter(
    "terrain_initiatives_refusals_total", "Requests refused by a domain rule, by HTTP status.", ["status"]
)
LINKS = Counter(
    "terrain_initiatives_feedback_links_total", "Feedback links created or removed.", ["change", "origin"]
)
DEPENDENCIES = Counter(
    "terrain_initiatives_dependency_changes_total", "Dependency requests and answers.", ["change"]
)
OVERDUE = Gauge("terrain_initiatives_dependencies_overdue", "Unanswered dependency requests past their day.")
VOTES = Counter("terrain_initiatives_votes_total", "Director votes cast (including changed votes).")
BALLOTS_CLOSED = Counter("terrain_initiatives_ballots_closed_total", "Ballots closed.", ["quorum_met", "by"])
# Product Ops KPIs: kpi x team (a handful) x the previous, current and next quarter, refreshed periodically.
KPI = Gauge(
    "terrain_initiatives_kpi",
    "Product Ops KPIs per team and quarter (team=all: the quarter).",
    ["kpi", "team", "quarter"],
)
