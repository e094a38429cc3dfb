"""What the notifier delivered, failed to deliver, and the loops it closed."""

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Email, Id, Reason, UtcDatetime


class Channel(StrEnum):
    slack = "slack"
    email = "email"
    webhook = "webhook"
    inbox = "inbox"


class Purpose(StrEnum):
    insight = "insight"
    digest = "digest"
    escalation = "escalation"
    loop_closure = "loop_closure"


class NotificationDeliveredData(Contract):
    notification_id: Id
    purpose: Purpose
    channel: Channel
    recipient_id: Id = Field(description="Member id, or the reporter's email for loop closures.")
    insight_ids: list[Id] = Field(default_factory=list, max_length=500)
    initiative_id: Id | None = None
    feedback_ids: list[Id] = Field(
        default_factory=list, max_length=1000, description="The feedback a loop closure was about."
    )
    attempts: int = Field(ge=1)
    delivered_at: UtcDatetime


class NotificationDelivered(Event):
    type: Literal["notification.delivered"] = "notification.delivered"
    version: Literal[1] = 1
    data: NotificationDeliveredData
    subject: ClassVar[str] = subjects.NOTIFICATION_DELIVERED
    stream: ClassVar[str] = streams.NOTIFICATIONS
    personal: ClassVar[bool] = True

    def personal_refs(self) -> list[str]:
        # A loop closure's recipient is the reporter's email.
        return list(self.data.feedback_ids) if self.data.purpose is Purpose.loop_closure else []


class NotificationFailedData(Contract):
    notification_id: Id
    purpose: Purpose
    channel: Channel
    recipient_id: Id
    insight_ids: list[Id] = Field(default_factory=list, max_length=500)
    initiative_id: Id | None = None
    feedback_ids: list[Id] = Field(
        default_factory=list, max_length=1000, description="The feedback a loop closure was about."
    )
    attempts: int = Field(ge=1)
    reason: Reason
    failed_at: UtcDatetime


class NotificationFailed(Event):
    type: Literal["notification.failed"] = "notification.failed"
    version: Literal[1] = 1
    data: NotificationFailedData
    subject: ClassVar[str] = subjects.NOTIFICATION_FAILED
    stream: ClassVar[str] = streams.NOTIFICATIONS
    personal: ClassVar[bool] = True

    def personal_refs(self) -> list[str]:
        return list(self.data.feedback_ids) if self.data.purpose is Purpose.loop_closure else []


class LoopClosedData(Contract):
    initiative_id: Id
    owner_team_id: Id
    feedback_id: Id
    reporter_email: Email
    channel: Channel
    notified_at: UtcDatetime


class NotificationLoopClosed(Event):
    """A reporter heard that the need they reported has shipped."""

    type: Literal["notification.loop_closed"] = "notification.loop_closed"
    version: Literal[1] = 1
    data: LoopClosedData
    subject: ClassVar[str] = subjects.NOTIFICATION_LOOP_CLOSED
    stream: ClassVar[str] = streams.NOTIFICATIONS
    personal: ClassVar[bool] = True

    def personal_refs(self) -> list[str]:
        return [self.data.feedback_id]
