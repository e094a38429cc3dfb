"""Which version of an account a write is based on.

Every stored change of an account (an API replace, a CRM's ``account.updated`` that is newer than the
stored state) moves its version by one. API replaces name the version they were based on (If-Match, the
ETag of a read); CRM events are ordered by their own event time, and move the version too, so an API
replace based on a state a CRM has since changed is stale.
"""

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
