"""Events other services publish, as this service receives them."""

from datetime import UTC, datetime

from terrain_contracts.events.feedback import (
    AccountSnapshot,
    FeedbackErased,
    FeedbackErasedData,
    FeedbackIngested,
    FeedbackIngestedData,
    FeedbackKind,
    IntakeChannel,
    Reporter,
    ReporterRole,
)
from terrain_contracts.events.insight import (
    Insight,
    InsightData,
    InsightDetected,
    InsightKind,
    InsightStatus,
    Severity,
)
from terrain_contracts.types import Money

AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def ingested(
    feedback_id: str,
    account_id: str | None,
    arr: int | None = None,
    currency: str = "EUR",
    revision: int = 1,
    at: datetime = AT,
    proposed_initiative_id: str | None = None,
) -> FeedbackIngested:
    account = None
    if account_id is not None:
        account = AccountSnapshot(
            account_id=account_id,
            name=account_id.title(),
            arr=Money(amount_minor=arr, currency=currency) if arr is not None else None,
        )
    return FeedbackIngested.create(
        FeedbackIngestedData(
            feedback_id=feedback_id,
            revision=revision,
            source="zendesk",
            external_id=feedback_id,
            channel=IntakeChannel.event,
            kind=FeedbackKind.customer,
            reporter=Reporter(
                name="Ada",
                email="ada@acme.io",
                role=ReporterRole.customer,
                member_id="rep@example.com" if proposed_initiative_id else None,
            ),
            account=account,
            text="Please add SSO",
            occurred_at=at,
            ingested_at=at,
            proposed_initiative_id=proposed_initiative_id,
        ),
        source="feedback",
    )


def erased(*feedback_ids: str, erasure_id: str = "era-1") -> FeedbackErased:
    return FeedbackErased.create(
        FeedbackErasedData(
            erasure_id=erasure_id,
            feedback_ids=list(feedback_ids),
            part=1,
            parts=1,
            reason="GDPR request",
            requested_by="dpo",
        ),
        source="feedback",
    )


def insight(insight_id: str, theme: str, evidence: list[str], version: int = 1) -> InsightDetected:
    return InsightDetected.create(
        InsightData(
            insight=Insight(
                insight_id=insight_id,
                kind=InsightKind.top_demand,
                severity=Severity.warning,
                title=f"Demand for {theme}",
                summary="Many accounts ask for it.",
                product_area="identity",
                theme=theme,
                evidence_feedback_ids=evidence,
                dedup_key=f"top_demand:{theme}",
                status=InsightStatus.open,
                version=version,
                detected_at=AT,
                updated_at=AT,
            )
        ),
        source="insights",
    )
