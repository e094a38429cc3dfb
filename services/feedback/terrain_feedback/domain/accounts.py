"""Which version of an account a write is based on.

Every stored change of an account (an API replace, a CRM's ``account.updated`` that is newer than the
stored state) moves its version by one. API replaces name the version they were based on (If-Match, the
ETag of a read); CRM events are ordered by their own event time, and move the version too, so an API
replace based on a state a CRM has since changed is stale.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from terrain_kit.errors import StaleVersion, check_version

ABSENT = 0  # the version answered for an account that is not there


def version_of(doc: dict[str, Any] | None) -> int:
    """The stored version; an account stored before versions were kept is at version 1."""
    if doc is None:
        return ABSENT
    return int(doc.get("version") or 1)


def check_replace(doc: dict[str, Any] | None, if_match: int | None) -> None:
    """May an API write replace ``doc`` (None: there is no such account)?

    Creating an account that is not there needs no If-Match (or If-Match "0": only if it is not there, as
    the notifier's documents take it); If-Match with a version of one that is not there (deleted since it
    was read) is stale; replacing one that is there needs If-Match with its version."""
    if doc is None:
        if if_match not in (None, ABSENT):
            raise StaleVersion(if_match, ABSENT)
        return
    check_version(version_of(doc), if_match)


@dataclass(frozen=True)
class AccountsPlan:
    """What a batch of CRM account states does: ``applied`` per event (stream order), ``writes`` the final
    document of every account the batch changed."""

    applied: list[bool]
    writes: dict[str, dict[str, Any]]


def stored_time(moment: datetime) -> datetime:
    """The time as the store keeps it (milliseconds), so that comparisons in a batch match the store's."""
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def next_state(
    stored: dict[str, Any] | None, account: dict[str, Any], as_of: datetime
) -> dict[str, Any] | None:
    """A CRM's state of ``account`` as of ``as_of`` over ``stored``: the new document, or None (unchanged).

    The newest state wins; an older one arriving late changes nothing (nor does any state over a stored
    document without ``as_of``); the same state again only moves ``as_of``; every change is a version."""
    if stored is None:
        return {"_id": account["account_id"], **account, "as_of": as_of, "version": 1}
    if stored.get("as_of") is None or stored["as_of"] > as_of:
        return None
    if all(stored.get(field) == value for field, value in account.items()):
        return {**stored, "as_of": as_of}
    return {**stored, **account, "as_of": as_of, "version": int(stored.get("version") or 0) + 1}


def plan_account_updates(
    stored: dict[str, dict[str, Any]], updates: list[tuple[dict[str, Any], datetime]]
) -> AccountsPlan:
    """Apply ``updates`` (account as JSON, event time) in stream order over ``stored`` (by id): the same
    result as applying them one after the other."""
    current = dict(stored)
    writes: dict[str, dict[str, Any]] = {}
    applied = []
    for account, as_of in updates:
        account_id = account["account_id"]
        state = next_state(current.get(account_id), account, stored_time(as_of))
        applied.append(state is not None)
        if state is not None:
            current[account_id] = writes[account_id] = state
    return AccountsPlan(applied, writes)
