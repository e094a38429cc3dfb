"""The timeline of each item of an end-to-end run (when it reached each stage) and the printed report."""

import math
import re
import time
from dataclasses import dataclass, field

from terrain_contracts import subjects
from terrain_contracts.events.feedback import FeedbackClassified, FeedbackIngested
from terrain_contracts.events.insight import InsightDetected
from terrain_contracts.events.notification import NotificationDelivered

from ..demo.receivers import Received
from .common import RawJetStream, machine

SLACK_TITLE = re.compile(r"Churn risk: Bench account (\d+)\b")
STAGES = ("ingested", "classified", "insight", "delivered", "slack")
STAGE_NAMES = {
    "ingested": "feedback.ingested",
    "classified": "feedback.classified",
    "insight": "insight.detected (churn)",
    "delivered": "notification.delivered (slack)",
    "slack": "Slack message received",
}


@dataclass
class Run:
    rate: int
    items: int
    submitted: list[float] = field(default_factory=list)  # index -> time.time() at publish
    reached: dict[str, dict[int, float]] = field(default_factory=lambda: {stage: {} for stage in STAGES})
    feedback_ids: dict[str, int] = field(default_factory=dict)
    insight_ids: dict[str, int] = field(default_factory=dict)
    other_slack: int = 0  # messages not attributable to an item (spike, unowned demand)
    publish_seconds: float = 0.0
    backlog: dict[str, int] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and at the end
    db_time: list[str] = field(default_factory=list)  # --db-profile: where the database's time went

    def on_event(self, msg) -> None:
        now = time.time()
        if msg.subject == subjects.FEEDBACK_INGESTED:
            data = FeedbackIngested.parse(msg.data).data
            if (index := _index(data.external_id, "E-")) is not None:
                self.feedback_ids[data.feedback_id] = index
                self.reached["ingested"].setdefault(index, now)
        elif msg.subject == subjects.FEEDBACK_CLASSIFIED:
            index = self.feedback_ids.get(FeedbackClassified.parse(msg.data).data.feedback_id)
            if index is not None:
                self.reached["classified"].setdefault(index, now)
        elif msg.subject == subjects.INSIGHT_DETECTED:
            insight = InsightDetected.parse(msg.data).data.insight
            if insight.account_id and (index := _index(insight.account_id, "acc-bench-")) is not None:
                self.insight_ids[insight.insight_id] = index
                self.reached["insight"].setdefault(index, now)
        elif msg.subject == subjects.NOTIFICATION_DELIVERED:
            delivered = NotificationDelivered.parse(msg.data).data
            if delivered.channel.value == "slack":
                for insight_id in delivered.insight_ids:
                    if (index := self.insight_ids.get(insight_id)) is not None:
                        self.reached["delivered"].setdefault(index, now)

    def on_slack(self, message: Received) -> None:
        found = SLACK_TITLE.search(message.body)
        if found and int(found.group(1)) < self.items:
            self.reached["slack"].setdefault(int(found.group(1)), message.at)
        else:
            self.other_slack += 1


def _index(value: str, prefix: str) -> int | None:
    return int(value[len(prefix) :]) if value.startswith(prefix) and value[len(prefix) :].isdigit() else None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; ``inf`` entries (items that never got there) sort last."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(runs: list[Run], raw: RawJetStream | None, seconds: float, drain: float) -> None:
    print(f"\nEnd-to-end latency on the local stack (submitted -> PM notified on Slack)\n{'=' * 72}")
    print(f"machine: {machine()}; each rate held {seconds:g} s, then up to {drain:g} s to drain")
    if raw is not None:
        print(
            f"raw JetStream (nats-py, {raw.messages} msgs of {raw.payload_bytes} B): publish "
            f"{raw.publish_per_second:,.0f}/s, pull consume+ack {raw.consume_per_second:,.0f}/s"
        )
    for run in runs:
        achieved = run.items / run.publish_seconds
        print(
            f"\n{run.rate}/s target: {run.items} items submitted in {run.publish_seconds:.1f} s "
            f"(achieved {achieved:,.0f}/s); load average {run.load[0]:.2f} before, {run.load[1]:.2f} after"
        )
        print(f"  {'stage':<34} {'reached':>9} {'p50':>8} {'p95':>8} {'p99':>8} {'throughput':>12}")
        for stage in STAGES:
            reached = run.reached[stage]
            waits = [reached[i] - run.submitted[i] if i in reached else math.inf for i in range(run.items)]
            cells = [
                f"{v:7.2f}s" if v != math.inf else f">{drain:g}s".rjust(8)
                for v in (percentile(waits, p) for p in (0.50, 0.95, 0.99))
            ]
            span = (max(reached.values()) - run.submitted[0]) if reached else 0.0
            rate = len(reached) / span if span else 0.0
            ratio = f" ({rate / raw.consume_per_second:.2%} raw)" if raw and stage == "slack" else ""
            print(f"  {STAGE_NAMES[stage]:<34} {len(reached):>9} {' '.join(cells)} {rate:>9,.1f}/s{ratio}")
        print(f"  other Slack messages (spike / unowned demand, not attributed): {run.other_slack}")
        print("  backlog at the end: " + ", ".join(f"{name} {count}" for name, count in run.backlog.items()))
        for line in run.db_time:
            print(f"  {line}")
