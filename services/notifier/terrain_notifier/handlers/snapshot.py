"""What routing reads, loaded once for a batch of events."""

from dataclasses import dataclass, field

from terrain_kit.uow import UnitOfWork

from ..domain.members import Preferences, Subscription
from ..domain.routing import Directory
from ..domain.rules import Rules
from ..store import directory


@dataclass
class Snapshot:
    """What routing reads, loaded once for a batch of events: they all see the same rules and directory."""

    rules: Rules
    people: Directory
    subscriptions: list[tuple[str, Subscription]]
    _preferences: dict[str, Preferences | None] = field(default_factory=dict)

    @classmethod
    async def load(cls, uow: UnitOfWork) -> "Snapshot":
        return cls(
            await directory.rules(uow), await directory.directory(uow), await directory.subscriptions(uow)
        )

    async def preferences(self, uow: UnitOfWork, member_ids: list[str]) -> dict[str, Preferences]:
        missing = [m for m in dict.fromkeys(member_ids) if m not in self._preferences]
        if missing:
            found = await directory.preferences(uow, missing)
            self._preferences.update({m: found.get(m) for m in missing})
        return {m: held for m in member_ids if (held := self._preferences[m]) is not None}
