"""Who receives an insight, and why.

1. The owning team (the insight's owning_team_id, else the team owning its
   product area) -> its PMs. A team with no PM, or an area nobody owns: the
   Product Ops fallback (members with the product_ops role, plus the rules'
   ``product_ops_members``).
2. Routes of the rules that match: their members and endpoints.
3. Personal subscriptions that match.
4. A member away (away_until in the future) hands duties (1, 2) to their
   backup, following the chain; with no backup available, to Product Ops.
   A personal subscription stays with its owner.

Every recipient carries the reasons that put it there.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from terrain_contracts.events.insight import Insight
from terrain_contracts.events.team import Discipline, MemberRole, TeamKind, TeamState

from .members import Subscription
from .rules import Rules

MAX_BACKUP_CHAIN = 5
SUBSCRIPTION = "subscription"  # how a personal subscription's reason starts


@dataclass(frozen=True)
class Person:
    member_id: str
    name: str
    email: str | None
    away_until: datetime | None = None
    backup_member_id: str | None = None
    discipline: Discipline | None = None

    def away(self, now: datetime) -> bool:
        return self.away_until is not None and self.away_until > now


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    roles: dict[str, MemberRole]
    areas: tuple[str, ...]
    kind: TeamKind = TeamKind.squad
    parent_team_id: str | None = None

    def with_role(self, role: MemberRole) -> list[str]:
        return [member for member, held in self.roles.items() if held is role]


@dataclass
class Directory:
    """The notifier's projection of teams, members and area ownership, as routing needs it."""

    teams: dict[str, Team] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    area_owner: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, teams: Iterable[TeamState]) -> "Directory":
        directory = cls()
        for state in sorted(teams, key=lambda t: t.team_id):
            directory.teams[state.team_id] = Team(
                state.team_id,
                state.name,
                {m.member_id: m.role for m in state.members},
                tuple(a.area for a in state.product_areas),
                state.kind,
                state.parent_team_id,
            )
            for member in state.members:
                directory.people[member.member_id] = Person(
                    member.member_id,
                    member.name,
                    member.email,
                    member.away_until,
                    member.backup_member_id,
                    member.discipline,
                )
            for area in state.product_areas:
                directory.area_owner.setdefault(area.area, state.team_id)
        return directory

    def product_ops(self, rules: Rules) -> list[str]:
        found = [m for team in self.teams.values() for m in team.with_role(MemberRole.product_ops)]
        return list(dict.fromkeys([*found, *rules.product_ops_members]))

    def owning_team(self, insight: Insight) -> Team | None:
        if insight.owning_team_id and insight.owning_team_id in self.teams:
            return self.teams[insight.owning_team_id]
        owner = self.area_owner.get(insight.product_area or "")
        return self.teams.get(owner) if owner else None

    def person(self, member_id: str) -> Person:
        return self.people.get(member_id) or Person(member_id, member_id, None)


@dataclass
class Recipient:
    """A member or a rules endpoint, with every reason that selected it."""

    member_id: str | None = None
    endpoint: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"member:{self.member_id}" if self.member_id else f"endpoint:{self.endpoint}"


class _Picks:
    def __init__(self) -> None:
        self.by_key: dict[str, Recipient] = {}

    def add(self, reason: str, member_id: str | None = None, endpoint: str | None = None) -> None:
        recipient = Recipient(member_id=member_id, endpoint=endpoint)
        held = self.by_key.setdefault(recipient.key, recipient)
        if reason not in held.reasons:
            held.reasons.append(reason)


def route(
    insight: Insight,
    directory: Directory,
    rules: Rules,
    subscriptions: Sequence[tuple[str, Subscription]],
    now: datetime,
) -> list[Recipient]:
    picks = _hand_over(_duties(insight, directory, rules), directory, rules, now)
    for member_id, subscription in subscriptions:
        if subscription.matches(insight):
            picks.add(
                f"{SUBSCRIPTION} {subscription.subscription_id} ({subscription.describe()})",
                member_id=member_id,
            )
    return list(picks.by_key.values())


def _duties(insight: Insight, directory: Directory, rules: Rules) -> _Picks:
    """Who is on duty for this insight: the owning team's PMs (else Product Ops), and the matching routes."""
    duties = _Picks()
    area = insight.product_area or "(none)"
    team = directory.owning_team(insight)
    if team is not None:
        pms = team.with_role(MemberRole.pm)
        for pm in pms:
            duties.add(f"PM of {team.name} ({team.team_id}), owner of area {area}", member_id=pm)
        if not pms:
            _fallback(
                duties, directory, rules, f"{team.name} ({team.team_id}) owns area {area} but has no PM"
            )
    elif insight.product_area is None:
        _fallback(duties, directory, rules, "the insight has no product area")
    else:
        _fallback(duties, directory, rules, f"nobody owns area {area}")
    for rule in rules.routes:
        if rule.when.matches(insight):
            for member in rule.members:
                duties.add(f"rule {rule.name} ({rule.when.describe()})", member_id=member)
            for endpoint in rule.endpoints:
                duties.add(f"rule {rule.name} ({rule.when.describe()})", endpoint=endpoint)
    return duties


def hand_over(
    duties: Iterable[Recipient], directory: Directory, rules: Rules, now: datetime
) -> list[Recipient]:
    """Recipients on duty, with members away replaced by their backup (or Product Ops)."""
    picks = _Picks()
    for recipient in duties:
        for reason in recipient.reasons:
            picks.add(reason, member_id=recipient.member_id, endpoint=recipient.endpoint)
    return list(_hand_over(picks, directory, rules, now).by_key.values())


def _hand_over(duties: _Picks, directory: Directory, rules: Rules, now: datetime) -> _Picks:
    """Members away hand their duties to their backup, or to Product Ops when nobody can stand in."""
    picks = _Picks()
    for recipient in duties.by_key.values():
        if recipient.member_id is None:
            for reason in recipient.reasons:
                picks.add(reason, endpoint=recipient.endpoint)
            continue
        stand_in, why = stand_in_for(recipient.member_id, directory, now)
        if stand_in is None:
            _fallback(picks, directory, rules, why, reasons=recipient.reasons)
            continue
        own = duties.by_key.get(f"member:{stand_in}")
        for reason in recipient.reasons:
            picks.add(standing_in(why, reason, own.reasons if own else []), member_id=stand_in)
    return picks


def standing_in(why: str, duty: str, own_duties: Sequence[str]) -> str:
    """A backup's reason, read once: whom they stand in for and as what; when that duty is the backup's
    own as well (a PM standing in for the other PM of their team), it is said once, by their own reason."""
    if not why:
        return duty
    return why if duty in own_duties else f"{why}, who is {duty}"


def on_duty(recipients: Iterable[Recipient]) -> set[str]:
    """The members on duty for an insight: escalations go to their backups, not to mere subscribers'."""
    return {
        r.member_id
        for r in recipients
        if r.member_id and not all(reason.startswith(f"{SUBSCRIPTION} ") for reason in r.reasons)
    }


def escalation_recipients(
    level: int, notified: Sequence[str], directory: Directory, rules: Rules, waited: str, now: datetime
) -> tuple[list[Recipient], int]:
    """Who hears of an unacknowledged critical insight, and the level reached: at level 1 the available
    backups of those notified; when there is none (or at level 2), Product Ops."""
    recipients: list[Recipient] = []
    if level == 1:
        for member in notified:
            backup = directory.person(member).backup_member_id
            if backup and backup not in notified and not directory.person(backup).away(now):
                recipients.append(
                    Recipient(member_id=backup, reasons=[f"escalation: {waited}; backup of {member}"])
                )
    if recipients:
        return recipients, level
    ops = [
        Recipient(member_id=member, reasons=[f"escalation: {waited}; Product Ops"])
        for member in directory.product_ops(rules)
    ]
    return ops, 2


def stand_in_for(member_id: str, directory: Directory, now: datetime) -> tuple[str | None, str]:
    """Who acts for ``member_id`` now: themselves, their backup (chain followed), or nobody."""
    seen = [member_id]
    current = directory.person(member_id)
    while current.away(now):
        backup = current.backup_member_id
        if backup is None or backup in seen or len(seen) > MAX_BACKUP_CHAIN:
            return (
                None,
                f"{member_id} is away until {_day(directory.person(member_id).away_until)} "
                "with no backup available",
            )
        seen.append(backup)
        current = directory.person(backup)
    if current.member_id == member_id:
        return member_id, ""
    return (
        current.member_id,
        f"backup for {member_id}, away until {_day(directory.person(member_id).away_until)}",
    )


def _day(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else "?"


def _fallback(
    picks: _Picks, directory: Directory, rules: Rules, why: str, reasons: Sequence[str] = ()
) -> None:
    for member in directory.product_ops(rules):
        for reason in reasons or [""]:
            text = f"Product Ops fallback: {why}" + (f" (was: {reason})" if reason else "")
            picks.add(text, member_id=member)
