"""The delivery tracker: an issue asked for on commit, issues linked, and the tracker's status changes
moving initiatives to in progress and shipped (which closes the loop as shipping by hand does)."""

from datetime import datetime
from typing import Any

from terrain_contracts import Event, Role
from terrain_contracts.events.initiative import (
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeTrackerLinked,
    TrackerLinkedData,
    TrackerLinkOrigin,
)
from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor
from ..domain.tracker import IssueRef, NewIssue, StatusChange
from ..store import initiatives as initiative_store
from ..store import tracker as store
from . import event, shipping
from .briefings import load, move, open_for
from .context import Context

S = InitiativeStatus  # short, as in domain/lifecycle.py


async def on_status_changed(uow: UnitOfWork, change: InitiativeStatusChanged, now: datetime) -> bool:
    """A committed initiative with no issue yet gets one: asked for here, created by the sync worker
    outside any transaction. Returns whether a creation is now due (the worker may be woken)."""
    if change.data.to_status is not S.committed:
        return False
    initiative_id = change.data.initiative.initiative_id
    doc = await initiative_store.get(uow, initiative_id)
    if doc is None or doc.get("tracker"):
        return False  # linked by a pm already: nothing to create
    return await store.request(uow, initiative_id, change.model_dump_json(), now)


def new_issue(doc: dict[str, Any]) -> NewIssue:
    return NewIssue(
        initiative_id=doc["_id"],
        title=doc["title"],
        problem=doc["problem"],
        intention=doc["intention"],
        quarter=doc["quarter"],
        owner_team_id=doc["owner_team_id"],
    )


async def record_link(
    uow: UnitOfWork,
    initiative_id: str,
    tracker: str,
    ref: IssueRef,
    origin: TrackerLinkOrigin,
    by: str,
    now: datetime,
    cause: Event | None = None,
) -> bool:
    """Tie the initiative to the issue; the same link again is a no-op (False), another one a conflict."""
    doc = await load(uow, initiative_id)
    held = doc.get("tracker")
    if held is not None:
        if held["name"] == tracker and held["issue_key"] == ref.key:
            return False
        raise Conflict(f"initiative {initiative_id} is already linked to {held['name']} {held['issue_key']}")
    other = await store.by_issue(uow, tracker, ref.key)
    if other is not None:
        raise Conflict(f"{tracker} issue {ref.key} is already linked to initiative {other['_id']}")
    link = {"name": tracker, "issue_key": ref.key, "issue_url": ref.url, "origin": origin.value}
    await initiative_store.set_derived(uow, initiative_id, {"tracker": {**link, "at": now, "by": by}})
    await initiative_store.record(
        uow, initiative_id, doc["version"], now, by, "tracker_linked", {"tracker": {"from": None, "to": link}}
    )
    # An issue linked while one was being created: the creation has nothing left to do.
    await store.finish(uow, initiative_id, {"state": "done", "issue_key": ref.key})
    data = TrackerLinkedData(
        initiative_id=initiative_id,
        owner_team_id=doc["owner_team_id"],
        tracker=tracker,
        issue_key=ref.key,
        issue_url=ref.url,
        origin=origin,
        linked_by=by,
    )
    uow.emit(event(InitiativeTrackerLinked, data, cause=cause))
    return True


async def link(
    uow: UnitOfWork, actor: Actor, context: Context, initiative_id: str, tracker: str, ref: IssueRef
) -> tuple[dict[str, Any], bool]:
    """A pm (of the owning team) or Product Ops names the existing issue: nothing is created on commit."""
    await open_for(uow, actor, initiative_id, "link its tracker issue")
    linked = await record_link(
        uow, initiative_id, tracker, ref, TrackerLinkOrigin.linked, actor.name, context.now()
    )
    return await load(uow, initiative_id), linked


def target_of(change: StatusChange, status_map: dict[str, str]) -> InitiativeStatus | None:
    """The status name (lower case) first, then its category: a team's "In Review" can mean shipped."""
    wanted = status_map.get(change.status.lower()) or status_map.get(change.category)
    return S(wanted) if wanted in (S.in_progress.value, S.shipped.value) else None


async def apply_status(
    uow: UnitOfWork, context: Context, tracker: str, change: StatusChange, status_map: dict[str, str]
) -> str:
    """Move the initiative of the issue forward, never back; returns the outcome (a metric label).

    A redelivered event finds the initiative already there: nothing moves twice."""
    doc = await store.by_issue(uow, tracker, change.issue_key)
    if doc is None:
        return "unknown_issue"
    target = target_of(change, status_map)
    if target is None:
        return "unmapped"
    current = S(doc["status"])
    if current not in (S.committed, S.in_progress):
        return "unchanged" if current in (S.shipped, S.dropped) else "not_committed"
    if current is target:
        return "unchanged"
    actor = Actor(role=Role.admin, member_id=None, name=f"{tracker}:{change.issue_key}")
    if current is S.committed:
        doc = await move(uow, actor, context, doc["_id"], doc["version"], S.in_progress)
    if target is S.shipped:
        note = f"{doc['title']} has shipped ({tracker} {change.issue_key}: {change.status})."
        await shipping.ship(uow, actor, context, doc["_id"], doc["version"], note)
    return "moved"
