"""JetStream stream layout: one stream per aggregate family plus dead letters.

Pure data: the service kit turns a :class:`StreamSpec` into a server
``StreamConfig`` with the replica count from its settings.
"""

from dataclasses import dataclass

from . import subjects

DAY = 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    # 0 keeps messages until the limits below bite. Streams that projections
    # are rebuilt from (teams, initiatives) keep everything.
    max_age_seconds: float = 0.0
    # A relay retry inside this window is stored once (Nats-Msg-Id).
    duplicate_window_seconds: float = 15 * 60.0
    max_msg_size: int = 1024 * 1024
    retention: str = "limits"
    storage: str = "file"


FEEDBACK = "FEEDBACK"
ACCOUNTS = "ACCOUNTS"
TEAMS = "TEAMS"
INITIATIVES = "INITIATIVES"
INSIGHTS = "INSIGHTS"
NOTIFICATIONS = "NOTIFICATIONS"
DEADLETTER = "DEADLETTER"
ADVISORIES = "ADVISORIES"

# The server's notice that a consumer gave up on a message (crashes or timeouts every time).
# Captured in a stream so it is acted on even when the consumer's service was down at that moment.
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

SPECS: tuple[StreamSpec, ...] = (
    StreamSpec(
        FEEDBACK,
        (subjects.wildcard("feedback"),),
        "Feedback intake, ingestion, classification, erasure",
        max_age_seconds=90 * DAY,
    ),
    StreamSpec(ACCOUNTS, (subjects.wildcard("account"),), "Customer account changes from CRMs"),
    StreamSpec(TEAMS, (subjects.wildcard("team"),), "Teams, members and product-area ownership"),
    StreamSpec(
        INITIATIVES,
        (subjects.wildcard("initiative"), subjects.wildcard("ballot")),
        "Initiative briefings, evidence links, dependencies and ballots",
    ),
    StreamSpec(
        INSIGHTS,
        (subjects.wildcard("insight"),),
        "Detected insights and their updates",
        max_age_seconds=90 * DAY,
    ),
    StreamSpec(
        NOTIFICATIONS,
        (subjects.wildcard("notification"),),
        "Deliveries, failures and closed loops",
        max_age_seconds=90 * DAY,
    ),
    StreamSpec(
        DEADLETTER,
        (subjects.DEADLETTER_ALL,),
        "Messages that could not be processed, with the reason",
        max_age_seconds=30 * DAY,
    ),
    StreamSpec(
        ADVISORIES,
        (f"{MAX_DELIVERIES_ADVISORY}.>",),
        "Server notices of messages given up on",
        max_age_seconds=7 * DAY,
    ),
)

BY_NAME = {spec.name: spec for spec in SPECS}


def stream_for(subject: str) -> str:
    """The stream that stores an event ``subject``."""
    aggregate = subject.split(".")[1]
    for spec in SPECS:
        if any(s.split(".")[1] == aggregate for s in spec.subjects):
            return spec.name
    raise KeyError(f"no stream stores {subject!r}")
