"""What the use cases need besides the database: the duplicate rules, redaction, the recent-items cache
of this process, the webhooks', Slack's and the mailbox's settings, and the clock (tests move it)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.types import utcnow

from ..domain.items import DuplicateRules
from ..settings import MailboxSettings, SlackSettings, WebhookSettings
from ..store.recent import RecentItems


@dataclass(frozen=True)
class Context:
    duplicates: DuplicateRules
    redact: bool
    recent: RecentItems
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)  # the vendors' secrets and limits
    slack: SlackSettings = field(default_factory=SlackSettings)
    mailbox: MailboxSettings = field(default_factory=MailboxSettings)
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()
