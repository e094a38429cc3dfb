"""What a notification is about, as deliveries, inbox items and digests keep it: an insight, or a
planning ritual (a dependency request, a phase of the quarter, a ballot)."""

from dataclasses import dataclass, field
from typing import Any

from terrain_contracts.events.insight import Insight, Severity


@dataclass(frozen=True)
class Topic:
    key: str  # what de-duplicates and acknowledges: an insight's dedup_key, a ritual's own key
    title: str
    summary: str
    severity: Severity
    kind: str  # the insight's kind, or the ritual
    insight_id: str | None = None
    initiative_id: str | None = None
    product_area: str | None = None
    ritual: str | None = None  # set for planning notifications
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable facts for webhooks

    @classmethod
    def of_insight(cls, insight: Insight) -> "Topic":
        return cls(
            key=insight.dedup_key,
            title=insight.title,
            summary=insight.summary,
            severity=insight.severity,
            kind=insight.kind.value,
            insight_id=insight.insight_id,
            product_area=insight.product_area,
        )

    @property
    def insight_ids(self) -> list[str]:
        return [self.insight_id] if self.insight_id else []

    def refs(self) -> dict[str, Any]:
        """What a delivery keeps of its topic (for listings and the dispatcher's events)."""
        refs: dict[str, Any] = {"insight_ids": self.insight_ids, "dedup_key": self.key}
        if self.ritual:
            refs |= {"ritual": self.ritual, "initiative_id": self.initiative_id}
        return refs

    def digest_summary(self, reasons: list[str]) -> dict[str, Any]:
        """What a digest says of it."""
        return {
            "title": self.title,
            "severity": self.severity.value,
            "kind": self.kind,
            "product_area": self.product_area,
            "summary": self.summary,
            "insight_id": self.insight_id,
            "ritual": self.ritual,
            "reasons": reasons,
        }
