"""Domain metrics of the feedback service. Labels are low-cardinality: never an id."""

from prometheus_client import Counter, Histogram
from terrain_contracts.events.feedback import FeedbackSubmittedData, IntakeChannel

from .domain.items import Decision

INTAKE = Counter(
    "terrain_feedback_intake_total",
    "Submissions by source system, kind, channel and outcome.",
    ["source", "kind", "channel", "outcome"],  # outcome: created, edited, unchanged, erased, rejected
)
REJECTED = Counter("terrain_feedback_rejected_total", "Input refused with field errors.", ["channel"])
DUPLICATES_LINKED = Counter(
    "terrain_feedback_duplicates_linked_total", "Items linked to a near-duplicate original."
)
SIMILARITY = Histogram(
    "terrain_feedback_duplicate_similarity",
    "Similarity of linked near-duplicates.",
    buckets=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
)
WEBHOOKS = Counter(
    "terrain_feedback_webhooks_total",
    "Webhook deliveries by vendor and result.",
    ["vendor", "result"],  # accepted, unauthorized, too_large, invalid
)
ERASED = Counter("terrain_feedback_erased_total", "Items deleted on erasure requests.")
SHIPPED = Counter("terrain_feedback_marked_shipped_total", "Items marked shipped by an initiative.")


def count_intake(data: FeedbackSubmittedData, channel: IntakeChannel, decision: Decision) -> None:
    INTAKE.labels(data.source, data.kind.value, channel.value, decision.outcome.value).inc()
    if decision.item is not None and decision.item.ingested.duplicate_of is not None:
        DUPLICATES_LINKED.inc()
        SIMILARITY.observe(decision.item.ingested.duplicate_of.similarity)
