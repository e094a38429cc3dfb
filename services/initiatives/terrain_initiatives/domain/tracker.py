"""The delivery tracker (Jira today) behind one interface: a Linear or GitHub Issues adapter is a module
beside ``jobs/tracker/jira.py``.

Terrain creates an issue when an initiative is committed (or stores an existing one a pm names), and the
tracker's webhooks move the initiative to in progress and shipped. An adapter speaks the tracker's API and
reads its webhooks; what the service does with them (the sync worker, the lifecycle moves) is the same for
every tracker.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class NewIssue:
    """What an issue is created from: the committed briefing."""

    initiative_id: str
    title: str
    problem: str
    intention: str
    quarter: str
    owner_team_id: str


@dataclass(frozen=True)
class IssueRef:
    key: str
    url: str | None


@dataclass(frozen=True)
class StatusChange:
    """A tracker event that may move an initiative: the issue and its status now."""

    issue_key: str
    status: str  # the status name, e.g. "In Review"
    category: str  # the tracker's coarse category, e.g. Jira's new / indeterminate / done
    sent_at: float | None  # Unix seconds, when the tracker says (staleness check)


class TrackerError(Exception):
    """A call refused or failed; ``retryable`` says whether trying again later may succeed."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class NotAuthentic(Exception):
    """A webhook without a valid signature, or too old: HTTP 401."""


class NotUnderstood(Exception):
    """A signed webhook whose body is not what the tracker documents: HTTP 400 naming ``field``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Tracker(Protocol):
    name: str  # recorded with the link: "jira"

    async def create_issue(self, issue: NewIssue) -> IssueRef:
        """Create the issue of a committed initiative."""
        ...

    async def find_issue(self, initiative_id: str) -> IssueRef | None:
        """The issue created earlier for this initiative, if any (a retry after a lost answer)."""
        ...

    async def link(self, issue_key: str) -> IssueRef:
        """An existing issue, checked to exist (TrackerError, not retryable, when it does not)."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise NotAuthentic unless the webhook is signed by the tracker (headers in lower case)."""
        ...

    def parse_webhook(self, body: bytes) -> StatusChange | None:
        """The status change a verified webhook announces; None for events that move nothing."""
        ...
