"""What the notifier's use cases need besides the database: settings, the clock, the dispatcher's wake,
and the check of outside targets (their hosts resolved, private ranges refused)."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.types import FieldError, utcnow

from ..domain.rules import Rules
from ..settings import NotifierSettings

# (field, url) pairs and the allow-listed CIDRs -> (errors naming the field, warnings for hosts that do not
# resolve now). main.py gives the dispatcher's own check (jobs.channels.http.check_hosts).
HostCheck = Callable[
    [Sequence[tuple[str, str]], Sequence[str]], Awaitable[tuple[list[FieldError], list[str]]]
]


@dataclass
class Context:
    settings: NotifierSettings
    check_hosts: HostCheck
    clock: Callable[[], datetime] = utcnow
    # Called after a commit that recorded deliveries, so a local dispatcher looks at once.
    wake: Callable[[], None] = field(default=lambda: None)

    def now(self) -> datetime:
        return self.clock()

    @property
    def inbox_link(self) -> str:
        return f"{self.settings.public_url.rstrip('/')}/v1/inbox"

    @property
    def ssrf_allow(self) -> list[str]:
        return self.settings.ssrf_allow

    def escalation_minutes(self, rules: Rules) -> float:
        """The rules' delay before an unacknowledged critical insight escalates, else the setting's."""
        return rules.escalation_minutes or self.settings.policy.escalation_minutes
