"""Metrics shared by every service. Labels are low-cardinality: never an id."""

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double the series count and no dashboard or alert uses them.
disable_created_metrics()

EVENTS_CONSUMED = Counter(
    "terrain_events_consumed_total",
    "Messages handled by a durable consumer, by outcome.",
    ["consumer", "outcome"],  # outcome: processed, duplicate, ignored, retried, dead_lettered
)
BATCH_SIZE = Histogram(
    "terrain_consumer_batch_size",
    "Events committed in one transaction.",
    ["consumer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
BATCH_SECONDS = Histogram(
    "terrain_consumer_batch_seconds",
    "Time to process and commit one batch.",
    ["consumer"],
)
DEAD_LETTERS = Counter(
    "terrain_dead_letters_total",
    "Messages sent to the dead-letter stream.",
    ["consumer", "cause"],
)
CONSUMER_PENDING = Gauge(
    "terrain_consumer_pending_messages",
    "Messages in the stream not yet delivered to the consumer.",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "terrain_consumer_ack_pending_messages",
    "Messages delivered and awaiting acknowledgement.",
    ["consumer"],
)
CONSUMER_REDELIVERED = Gauge(
    "terrain_consumer_redelivered_messages",
    "Messages delivered more than once and not yet acknowledged.",
    ["consumer"],
)
STREAM_LEADER = Gauge(
    "terrain_stream_leader_present",
    "1 when the stream answers (it has a leader; quorum in a cluster).",
    ["stream"],
)
OUTBOX_BACKLOG = Gauge("terrain_outbox_backlog", "Outbox entries not yet published.")
OUTBOX_OLDEST_AGE = Gauge("terrain_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox entry.")
OUTBOX_PUBLISHED = Counter("terrain_outbox_published_total", "Outbox entries published.", ["path"])
HTTP_REQUESTS = Counter(
    "terrain_http_requests_total",
    "HTTP requests by route template and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "terrain_http_request_duration_seconds",
    "HTTP request duration by route template.",
    ["method", "route"],
)
READY = Gauge("terrain_ready", "1 when the service is ready (NATS and MongoDB reachable).")
