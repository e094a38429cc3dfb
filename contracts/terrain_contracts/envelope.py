"""The event envelope every Terrain event travels in."""

from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import Field, model_validator

from .types import Contract, Id, Slug, UtcDatetime, utcnow


class Event(Contract):
    """Envelope: identity, provenance and time around a typed payload (``data``).

    ``id`` doubles as the JetStream ``Nats-Msg-Id``, so a retried publish is
    stored once. Trace context travels in NATS headers, never here.
    """

    id: UUID = Field(default_factory=uuid4, description="Event id; also the Nats-Msg-Id.")
    type: str = Field(description="Aggregate and past-tense verb, e.g. feedback.ingested.")
    version: int = Field(ge=1, description="Contract version; a breaking change is a new version.")
    source: Slug = Field(description="Producer: a Terrain service or an integrating tool.")
    occurred_at: UtcDatetime = Field(default_factory=utcnow)
    correlation_id: Id | None = Field(
        default=None, description="Shared by every event of one business flow; defaults to id."
    )
    causation_id: UUID | None = Field(default=None, description="Id of the event that caused this one.")
    data: Contract

    subject: ClassVar[str]
    stream: ClassVar[str]
    # May carry personal data (overrides personal_refs): its publisher may delete it from its stream.
    personal: ClassVar[bool] = False

    @model_validator(mode="after")
    def _correlate_to_self(self) -> Self:
        if self.correlation_id is None:
            object.__setattr__(self, "correlation_id", str(self.id))
        return self

    @classmethod
    def create(
        cls,
        data: Any,
        *,
        source: str,
        cause: "Event | None" = None,
        correlation_id: str | None = None,
    ) -> Self:
        """Build an event; ``cause`` links it into the flow that produced it."""
        if cause is not None:
            correlation_id = correlation_id or cause.correlation_id
        # Validated like the constructor; type and version come from the concrete event's defaults.
        return cls.model_validate(
            {
                "data": data,
                "source": source,
                "correlation_id": correlation_id,
                "causation_id": cause.id if cause is not None else None,
            }
        )

    @classmethod
    def parse(cls, raw: bytes | str) -> Self:
        """Consumer-side parsing: fields added later within this version are ignored."""
        return cls.model_validate_json(raw, extra="ignore")

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    def personal_refs(self) -> list[str]:
        """The feedback ids whose personal data (names, emails, customer words) this event carries.

        Erasing one of them deletes the stored event (``terrain_kit.erasure``). Empty by default."""
        return []
