"""Reporters following their feedback: who a reporter is to us (staff or the customer), and which
lifecycle steps of the initiatives their feedback backs they are told about.

Staff and customers get different texts (``domain/reporter_messages.py``); the rule that matters most:
a text written for staff only ever goes to an address that is staff's (:func:`follower_of`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from terrain_contracts.events.initiative import InitiativeStatus

from .routing import Directory


class Step(StrEnum):
    """The lifecycle steps a reporter can be told about."""

    committed = "committed"
    in_progress = "in_progress"
    shipped = "shipped"
    dropped = "dropped"


class Audience(StrEnum):
    staff = "staff"  # a member: sales, cs, pm... (they may tell the customer, in their own words)
    customer = "customer"  # the customer who wrote to the help desk


# What a status change tells reporters (shipped and dropped come with their own events: release note, reason).
STEP_OF_STATUS = {InitiativeStatus.committed: Step.committed, InitiativeStatus.in_progress: Step.in_progress}
# Roles a Sales/CS tool or the feedback service gives reporters who are staff (not the customer).
STAFF_ROLES = frozenset({"sales_rep", "account_manager", "csm", "support_agent", "solutions_engineer"})
REP_DEFAULT = frozenset({Step.shipped, Step.dropped})
MEMBER_DEFAULT = frozenset({Step.committed, Step.shipped, Step.dropped})  # PMs, Product Ops...
# A customer hears that what they asked for shipped, never more (no plans, no drop reasons).
CUSTOMER_STEPS = frozenset({Step.shipped})


@dataclass(frozen=True)
class Staff:
    """Whose addresses are staff's: the members the notifier knows, and the configured staff domains."""

    emails: frozenset[str] = frozenset()  # lower-cased
    by_id: Mapping[str, str] = field(default_factory=dict)  # member id -> email
    domains: frozenset[str] = frozenset()  # empty: not restricted by domain

    @classmethod
    def of(cls, directory: Directory, domains: Iterable[str] = ()) -> "Staff":
        by_id = {p.member_id: p.email for p in directory.people.values() if p.email}
        return cls(frozenset(e.lower() for e in by_id.values()), by_id, frozenset(d.lower() for d in domains))

    def address_allowed(self, email: str) -> bool:
        """A staff text may go here: a member's address, or any address when no staff domain is set, else
        one in a staff domain."""
        return email.lower() in self.emails or not self.domains or _domain(email) in self.domains


@dataclass(frozen=True)
class Follower:
    email: str
    name: str
    audience: Audience
    member: bool = False  # a member (logged it themselves, or on a team): PM-like defaults
    preference_ids: tuple[str, ...] = ()  # where their opt-in may be kept (member id, email)

    @property
    def key(self) -> str:
        return self.email.lower()

    def steps(self, chosen: Iterable[str] | None) -> frozenset[Step]:
        """The steps they are told about: a customer only shipped; staff what they chose, else defaults."""
        if self.audience is Audience.customer:
            return CUSTOMER_STEPS
        if chosen is not None:
            return frozenset(Step(s) for s in chosen)
        return MEMBER_DEFAULT if self.member else REP_DEFAULT


def from_help_desk(source: str, help_desks: Iterable[str]) -> bool:
    """``zendesk``, and the sources named after it (``zendesk-sync``, ``zendesk_eu``): one help desk."""
    return any(source == desk or source.startswith((f"{desk}-", f"{desk}_")) for desk in help_desks)


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def follower_of(reporter: Mapping[str, Any], staff: Staff, customer_sources: Iterable[str]) -> Follower | str:
    """Who the reporter of an item (the notifier's projection) is to us, or why they cannot be told."""
    email, member_id, role = reporter.get("email"), reporter.get("member_id"), reporter.get("role")
    name = reporter.get("name") or "there"
    if member_id:  # logged by hand: the authenticated member
        address = email or staff.by_id.get(member_id) or (member_id if "@" in member_id else None)
        if not address:
            return "member has no email"
        if not staff.address_allowed(address):
            return "reporter's address is not a member's nor in the staff domains"
        ids = tuple(dict.fromkeys([member_id, address, address.lower()]))
        return Follower(address, name, Audience.staff, role not in STAFF_ROLES, ids)
    if not email:
        return "reporter has no email"
    if email.lower() in staff.emails:
        ids = tuple(m for m, e in staff.by_id.items() if e.lower() == email.lower())
        return Follower(email, name, Audience.staff, True, (*ids, email, email.lower()))
    if role in STAFF_ROLES:
        if _domain(email) == (reporter.get("customer_email_domain") or "").lower():
            return "a staff role at the customer's own domain: neither staff text nor customer text"
        if not staff.address_allowed(email):
            return "reporter's address is not a member's nor in the staff domains"
        return Follower(email, name, Audience.staff, False, (email, email.lower()))
    if role == "customer":
        if not from_help_desk(str(reporter.get("source") or ""), customer_sources):
            return f"the customer cannot be answered from source {reporter.get('source')}"
        return Follower(email, name, Audience.customer)
    return "reporter is neither staff nor a help-desk requester"
