"""Feedback from Sales, CS and support tools, and what becomes of it."""

import hashlib
from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from .. import streams, subjects
from ..envelope import Event
from ..types import (
    Confidence,
    Contract,
    Domain,
    Email,
    ExternalId,
    FeedbackText,
    FieldError,
    Id,
    LanguageCode,
    Money,
    Name,
    Reason,
    Slug,
    Url,
    UtcDatetime,
)


class FeedbackKind(StrEnum):
    customer = "customer"  # the customer's own words (ticket, survey, chat)
    field = "field"  # a rep, CSM or agent reporting on a customer's behalf


class ReporterRole(StrEnum):
    customer = "customer"
    sales_rep = "sales_rep"
    account_manager = "account_manager"
    csm = "csm"
    support_agent = "support_agent"
    solutions_engineer = "solutions_engineer"
    other = "other"


class IntakeChannel(StrEnum):
    event = "event"
    webhook = "webhook"
    bulk_import = "import"
    api = "api"


class Reporter(Contract):
    name: Name
    email: Email | None = None
    role: ReporterRole
    member_id: Id | None = Field(
        default=None, description="The Terrain member who reported it, when they logged it themselves."
    )


class CustomerRef(Contract):
    """How the producer identifies the customer; at least one field is needed to enrich."""

    account_id: Id | None = None
    name: Name | None = None
    email: Email | None = None
    domain: Domain | None = None


class FeedbackSubmittedData(Contract):
    source: Slug = Field(description="System of record: zendesk, salesforce, gong, ...")
    external_id: ExternalId = Field(
        description="Id in the source; (source, external_id) identifies the item."
    )
    kind: FeedbackKind
    reporter: Reporter
    customer: CustomerRef
    text: FeedbackText
    tags: list[Slug] = Field(default_factory=list, max_length=50)
    rating: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    language: LanguageCode | None = None
    occurred_at: UtcDatetime
    url: Url | None = Field(default=None, description="Link back to the item in the source.")
    proposed_initiative_id: Id | None = Field(
        default=None,
        description="An initiative the reporter says this answers, for the initiatives service to link.",
    )

    @property
    def feedback_id(self) -> str:
        """The item's stable id: the same per (source, external_id) on every replica and replay."""
        return feedback_id(self.source, self.external_id)


def feedback_id(source: str, external_id: str) -> str:
    """Stable per (source, external id), so every replica and every replay agrees on it."""
    digest = hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()
    return f"fb-{digest[:32]}"


def email_digest(email: str) -> str:
    """The hex SHA-256 of the lower-cased email: names a person in a record without keeping the email."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class FeedbackSubmitted(Event):
    """A Sales/CS tool submits one piece of feedback."""

    type: Literal["feedback.submitted"] = "feedback.submitted"
    version: Literal[1] = 1
    data: FeedbackSubmittedData
    subject: ClassVar[str] = subjects.FEEDBACK_SUBMITTED
    stream: ClassVar[str] = streams.FEEDBACK
    personal: ClassVar[bool] = True

    def personal_refs(self) -> list[str]:
        return [self.data.feedback_id]


class AccountSnapshot(Contract):
    """The account as known when the item was ingested (weights demand from then on)."""

    account_id: Id
    name: Name
    arr: Money | None = None
    plan: Slug | None = None
    segment: Slug | None = None
    renewal_date: date | None = None


class DuplicateLink(Contract):
    feedback_id: Id
    similarity: Confidence


class FeedbackIngestedData(Contract):
    feedback_id: Id
    revision: int = Field(ge=1, description="1 on first ingestion; an edit in the source increments it.")
    source: Slug
    external_id: ExternalId
    channel: IntakeChannel
    kind: FeedbackKind
    reporter: Reporter
    account: AccountSnapshot | None = None
    customer_email_domain: Domain | None = None
    text: FeedbackText
    language: LanguageCode | None = None
    tags: list[Slug] = Field(default_factory=list, max_length=50)
    rating: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    occurred_at: UtcDatetime
    ingested_at: UtcDatetime
    url: Url | None = None
    duplicate_of: DuplicateLink | None = None
    proposed_initiative_id: Id | None = Field(
        default=None,
        description="An initiative the reporter says this answers, for the initiatives service to link.",
    )


class FeedbackIngested(Event):
    """Feedback was validated, de-duplicated, enriched and stored."""

    type: Literal["feedback.ingested"] = "feedback.ingested"
    version: Literal[1] = 1
    data: FeedbackIngestedData
    subject: ClassVar[str] = subjects.FEEDBACK_INGESTED
    stream: ClassVar[str] = streams.FEEDBACK
    personal: ClassVar[bool] = True

    def personal_refs(self) -> list[str]:
        return [self.data.feedback_id]


class FeedbackRejectedData(Contract):
    channel: IntakeChannel
    source: Annotated[str, StringConstraints(max_length=64)] | None = None
    external_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    errors: list[FieldError] = Field(min_length=1, max_length=50)
    excerpt: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="Start of the refused input, for the person fixing it."
    )


class FeedbackRejected(Event):
    """Input that could not become feedback, with the fields that were wrong."""

    type: Literal["feedback.rejected"] = "feedback.rejected"
    version: Literal[1] = 1
    data: FeedbackRejectedData
    subject: ClassVar[str] = subjects.FEEDBACK_REJECTED
    stream: ClassVar[str] = streams.FEEDBACK


class FeedbackErasedData(Contract):
    erasure_id: Id
    account_id: Id | None = None
    customer_email: Email | None = Field(
        default=None, description="No longer filled: the digest names the customer instead."
    )
    customer_email_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="Hex SHA-256 of the lower-cased customer email, for erasures by email."
    )
    feedback_ids: list[Id] = Field(max_length=1000)
    part: int = Field(ge=1, description="Large erasures are split; parts share the erasure_id.")
    parts: int = Field(ge=1)
    reason: Reason
    requested_by: Id


class FeedbackErased(Event):
    """Feedback was deleted on request (GDPR); drop everything derived from it."""

    type: Literal["feedback.erased"] = "feedback.erased"
    version: Literal[1] = 1
    data: FeedbackErasedData
    subject: ClassVar[str] = subjects.FEEDBACK_ERASED
    stream: ClassVar[str] = streams.FEEDBACK
    # No personal_refs: it carries ids and a digest only, and must outlive the erasure it announces (the
    # other services erase on it); indexed under its ids it would be deleted by the very erasure.


class FeedbackCategory(StrEnum):
    bug = "bug"
    feature_request = "feature_request"
    praise = "praise"
    question = "question"
    complaint = "complaint"  # includes churn signals


class SentimentLabel(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class ThemeMatch(Contract):
    theme: Slug
    product_area: Slug
    confidence: Confidence


class FeedbackClassifiedData(Contract):
    feedback_id: Id
    revision: int = Field(ge=1)
    taxonomy_version: int = Field(ge=1)
    themes: list[ThemeMatch] = Field(
        default_factory=list, max_length=10, description="Best first; empty means unassigned."
    )
    category: FeedbackCategory
    sentiment: SentimentLabel
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    language: LanguageCode | None = None


class FeedbackClassified(Event):
    """Insights assigned themes, a category and a sentiment to an item."""

    type: Literal["feedback.classified"] = "feedback.classified"
    version: Literal[1] = 1
    data: FeedbackClassifiedData
    subject: ClassVar[str] = subjects.FEEDBACK_CLASSIFIED
    stream: ClassVar[str] = streams.FEEDBACK
