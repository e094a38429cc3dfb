"""Submissions as Sales/CS tools publish them, for the tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def submission(
    external_id: str = "T-1",
    text: str = "We need SAML single sign-on with Okta before renewal",
    *,
    source: str = "zendesk",
    minutes: int = 0,
    customer: dict[str, Any] | None = None,
    reporter: dict[str, Any] | None = None,
    kind: FeedbackKind = FeedbackKind.customer,
    **extra: Any,
) -> FeedbackSubmittedData:
    return FeedbackSubmittedData(
        source=source,
        external_id=external_id,
        kind=kind,
        reporter=Reporter(
            **(reporter or {"name": "Dana Whitfield", "email": "dana@acme.io", "role": ReporterRole.customer})
        ),
        customer=CustomerRef(**(customer or {"email": "dana@acme.io"})),
        text=text,
        occurred_at=T0 + timedelta(minutes=minutes),
        **extra,
    )


def submitted(data: FeedbackSubmittedData, producer: str = "zendesk") -> FeedbackSubmitted:
    return FeedbackSubmitted.create(data, source=producer)
