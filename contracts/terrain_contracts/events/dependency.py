"""Dependency requests between teams: asked, answered, withdrawn, overdue (and escalated)."""

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Id, Paragraph, Reason, Title


class DependencyAnswer(StrEnum):
    accepted = "accepted"
    declined = "declined"


class DependencyRequestedData(Contract):
    dependency_id: Id
    initiative_id: Id
    requesting_team_id: Id
    on_team_id: Id
    on_initiative_id: Id | None = None
    description: Paragraph
    answer_by: date
    requested_by: Id
    initiative_title: Title | None = Field(default=None, description="The requesting initiative's title.")


class InitiativeDependencyRequested(Event):
    type: Literal["initiative.dependency_requested"] = "initiative.dependency_requested"
    version: Literal[1] = 1
    data: DependencyRequestedData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_REQUESTED
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyAnsweredData(Contract):
    dependency_id: Id
    initiative_id: Id
    on_team_id: Id
    answer: DependencyAnswer
    note: Reason | None = None
    answered_by: Id
    requesting_team_id: Id | None = Field(default=None, description="The team that asked.")
    requested_by: Id | None = Field(default=None, description="Who asked: told of the answer.")
    initiative_title: Title | None = None


class InitiativeDependencyAnswered(Event):
    type: Literal["initiative.dependency_answered"] = "initiative.dependency_answered"
    version: Literal[1] = 1
    data: DependencyAnsweredData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_ANSWERED
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyWithdrawnData(Contract):
    dependency_id: Id
    initiative_id: Id
    on_team_id: Id
    reason: Reason
    withdrawn_by: Id


class InitiativeDependencyWithdrawn(Event):
    """The requesting team no longer needs the dependency (e.g. replanned after a decline)."""

    type: Literal["initiative.dependency_withdrawn"] = "initiative.dependency_withdrawn"
    version: Literal[1] = 1
    data: DependencyWithdrawnData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_WITHDRAWN
    stream: ClassVar[str] = streams.INITIATIVES


class DependencyOverdueData(Contract):
    """An open request past its answer-by day: announced once when it becomes overdue, and once more
    (``escalated``) when it is still unanswered the configured number of days later."""

    dependency_id: Id
    initiative_id: Id
    requesting_team_id: Id
    on_team_id: Id
    answer_by: date
    requested_by: Id
    days_overdue: int = Field(ge=1)
    escalated: bool = False
    initiative_title: Title | None = None


class InitiativeDependencyOverdue(Event):
    type: Literal["initiative.dependency_overdue"] = "initiative.dependency_overdue"
    version: Literal[1] = 1
    data: DependencyOverdueData
    subject: ClassVar[str] = subjects.INITIATIVE_DEPENDENCY_OVERDUE
    stream: ClassVar[str] = streams.INITIATIVES
