"""Notifier domain metrics. Labels are low-cardinality: channel, purpose, outcome, decision, team.

``team`` is bounded by the organisation's team count (tens), like a product
area; per-reporter rates are high-cardinality and served by the API only.
"""

from prometheus_client import Counter, Gauge, Histogram

INSIGHTS = Counter(
    "terrain_notifier_insights_total",
    "Insight events by routing decision.",
    ["decision"],  # notified, deduplicated, stale, closed (acknowledged/resolved), unrouted
)
RITUALS = Counter(
    "terrain_notifier_rituals_total",
    "Planning events (dependencies, cycle phases, ballots) by ritual and routing decision.",
    ["ritual", "decision"],  # decision: notified, unrouted
)
NOTIFICATIONS = Counter(
    "terrain_notifier_notifications_total",
    "Delivery attempts by channel, purpose and outcome.",
    ["channel", "purpose", "outcome"],  # outcome: delivered, retried, failed, circuit_open
)
PLANNED = Counter(
    "terrain_notifier_planned_total",
    "Notifications planned per channel and timing.",
    ["channel", "timing"],  # timing: now, held (quiet hours), digest
)
SEND_SECONDS = Histogram("terrain_notifier_send_seconds", "Time to send one notification.", ["channel"])
PENDING = Gauge("terrain_notifier_pending_deliveries", "Deliveries waiting to be sent (including held ones).")
OPEN_CIRCUITS = Gauge("terrain_notifier_open_circuits", "Endpoints whose circuit is open on this replica.")
ESCALATIONS = Counter(
    "terrain_notifier_escalations_total", "Escalations of unacknowledged critical insights.", ["level"]
)
LOOPS = Counter(
    "terrain_notifier_loops_total", "Feedback loops settled after a shipped initiative.", ["outcome"]
)  # closed, not_closed
FOLLOWUPS = Counter(
    "terrain_notifier_followups_total",
    "Messages to reporters about the initiatives their feedback backs, by step and audience.",
    ["step", "audience"],  # step: committed, in_progress, shipped, dropped; audience: staff, customer
)
LOOP_CLOSURE_RATE = Gauge(
    "terrain_notifier_loop_closure_rate",
    "Closed / (closed + not closed) loops of the team's shipped initiatives.",
    ["team"],
)
