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
        return self.page("/inbox")

    def page(self, path: str) -> str:
        """The console's page at ``path`` when the console's URL is set, else the notifier's inbox API."""
        if self.settings.console_url:
            return f"{self.settings.console_url.rstrip('/')}{path}"
        return f"{self.settings.public_url.rstrip('/')}/v1/inbox"

    def topic_page(self, key: str) -> str:
        """Where a planning topic is worked on: its ballot's page, else the inbox."""
        kind, _, rest = key.partition(":")
        return self.page(f"/ballots/{rest.split(':')[0]}" if kind == "ballot" and rest else "/inbox")

    @property
    def ssrf_allow(self) -> list[str]:
        return self.settings.ssrf_allow

    def escalation_minutes(self, rules: Rules) -> float:
        """The rules' delay before an unacknowledged critical insight escalates, else the setting's."""
        return rules.escalation_minutes or self.settings.policy.escalation_minutes
