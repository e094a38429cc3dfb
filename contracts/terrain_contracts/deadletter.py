"""The record kept in the dead-letter stream for a message that could not be processed."""

from typing import Annotated

from pydantic import Field, StringConstraints

from .types import Contract, Reason, UtcDatetime

Text = Annotated[str, StringConstraints(max_length=256)]


class DeadLetter(Contract):
    service: Text
    consumer: Text = Field(description="Durable consumer that gave up.")
    subject: Text = Field(description="Original subject; a replay republishes there.")
    stream: Text
    stream_sequence: int = Field(ge=0)
    attempts: int = Field(ge=0)
    reason: Reason
    error_type: Text
    payload: str = Field(description="Original payload, UTF-8, or base64 if payload_encoding says so.")
    payload_encoding: Text = "utf-8"
    payload_truncated: bool = Field(
        default=False,
        description="The payload was too large to keep whole: only its start is here; a replay reads the "
        "original from its stream at stream_sequence.",
    )
    headers: dict[str, str] = Field(default_factory=dict)
    dead_lettered_at: UtcDatetime
