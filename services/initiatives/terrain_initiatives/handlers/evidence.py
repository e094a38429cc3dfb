"""Evidence: feedback links, suggestions from insights, and the summary and score derived from them."""

from collections.abc import Iterable
from typing import Any

from terrain_contracts.events.initiative import (
    FeedbackLinkedData,
    FeedbackUnlinkedData,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    LinkOrigin,
)
from terrain_kit.errors import Conflict, NotFound
from terrain_kit.uow import UnitOfWork

from ..domain.access import Actor
from ..domain.evidence import Summary, Weights, priority, summarize
from ..store import evidence as store
from ..store import initiatives as initiative_store
from . import event
from .briefings import load, open_for
from .context import Context


def score(summary: dict[str, Any], vote_average: float | None, size: str, weights: Weights) -> float:
    return priority(Summary(**summary), vote_average, size, weights)


async def refresh(uow: UnitOfWork, initiative_ids: Iterable[str], weights: Weights) -> None:
    """Recompute summaries and scores from the links and the feedback projection.

    Recomputing from what is stored (rather than adding deltas) makes the summary
    converge whatever the order of links, ingestions, edits and erasures.
    """
    docs = await initiative_store.by_ids(uow, sorted(set(initiative_ids)))
    for initiative_id, doc in docs.items():
        summary = summarize(await store.linked_items(uow, initiative_id)).as_document()
        await initiative_store.set_derived(
            uow,
            initiative_id,
            {"evidence": summary, "priority": score(summary, doc.get("vote_average"), doc["size"], weights)},
        )


async def _changed(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    doc: dict[str, Any],
    feedback_id: str,
    action: str,
    change: dict[str, Any],
) -> None:
    """After a link or an unlink: the summary and score again, and the history."""
    now = context.now()
    await store.touch_feedback(uow, feedback_id, now)
    await refresh(uow, [doc["_id"]], context.weights)
    await initiative_store.record(
        uow, doc["_id"], doc["version"], now, actor.name, action, {"feedback_id": change}
    )


async def link(
    uow: UnitOfWork,
    actor: Actor,
    context: Context,
    initiative_id: str,
    feedback_id: str,
    origin: LinkOrigin = LinkOrigin.manual,
) -> tuple[dict[str, Any], bool]:
    """Link feedback; linking it again answers the existing link (and emits nothing)."""
    doc = await open_for(uow, actor, initiative_id, "link feedback to its initiatives")
    if existing := await store.get_link(uow, initiative_id, feedback_id):
        return existing, False
    if await store.erased(uow, [feedback_id]):
        raise Conflict(f"feedback {feedback_id} was erased and cannot be linked")
    if await store.count_links(uow, initiative_id) >= context.max_links:
        raise Conflict(
            f"initiative {initiative_id} already has {context.max_links} linked items, the maximum"
        )
    now = context.now()
    created = await store.insert_link(uow, initiative_id, feedback_id, origin.value, actor.name, now)
    await _changed(
        uow, actor, context, doc, feedback_id, "feedback_linked", {"from": None, "to": feedback_id}
    )
    uow.emit(
        event(
            InitiativeFeedbackLinked,
            FeedbackLinkedData(
                initiative_id=initiative_id,
                owner_team_id=doc["owner_team_id"],
                feedback_id=feedback_id,
                linked_by=actor.name,
                origin=origin,
            ),
        )
    )
    return created, True


async def unlink(
    uow: UnitOfWork, actor: Actor, context: Context, initiative_id: str, feedback_id: str
) -> bool:
    """Unlink; unlinking what is not linked is a no-op (and emits nothing)."""
    doc = await open_for(uow, actor, initiative_id, "unlink feedback from its initiatives")
    if not await store.delete_link(uow, initiative_id, feedback_id):
        return False
    await _changed(
        uow, actor, context, doc, feedback_id, "feedback_unlinked", {"from": feedback_id, "to": None}
    )
    uow.emit(
        event(
            InitiativeFeedbackUnlinked,
            FeedbackUnlinkedData(
                initiative_id=initiative_id,
                owner_team_id=doc["owner_team_id"],
                feedback_id=feedback_id,
                unlinked_by=actor.name,
            ),
        )
    )
    return True


async def suggestions(uow: UnitOfWork, initiative_id: str) -> list[dict[str, Any]]:
    """Feedback that insights of the initiative's themes (or about it) point at, or that its reporter
    proposed for it (``proposed_by``), not linked or dismissed."""
    doc = await load(uow, initiative_id)
    insights = await store.insights_for(uow, doc.get("themes") or [], initiative_id)
    candidates: dict[str, list[dict[str, Any]]] = {}
    for insight in insights:
        for feedback_id in insight.get("evidence_feedback_ids", []):
            candidates.setdefault(feedback_id, []).append(insight)
    proposed = await store.proposed_for(uow, initiative_id)
    for feedback_id in proposed:
        candidates.setdefault(feedback_id, [])
    ids = list(candidates)
    excluded = (
        set(await store.linked_feedback_ids(uow, initiative_id))
        | await store.dismissed(uow, initiative_id)
        | await store.erased(uow, ids)
    )
    known = await store.feedback(uow, ids)
    found = []
    for feedback_id in ids:
        if feedback_id in excluded:
            continue
        fb = known.get(feedback_id, {})
        found.append(
            {
                "feedback_id": feedback_id,
                "account_id": fb.get("account_id"),
                "account_name": fb.get("account_name"),
                "arr": {"amount_minor": fb["arr_minor"], "currency": fb["currency"]}
                if fb.get("currency")
                else None,
                "insights": [
                    {
                        "insight_id": insight["_id"],
                        **{name: insight.get(name) for name in ("kind", "severity", "title", "theme")},
                    }
                    for insight in candidates[feedback_id]
                ],
                "proposed_by": proposed[feedback_id].get("proposed_by") if feedback_id in proposed else None,
            }
        )
    return found


async def _suggested(uow: UnitOfWork, initiative_id: str, feedback_id: str) -> None:
    if not any(s["feedback_id"] == feedback_id for s in await suggestions(uow, initiative_id)):
        raise NotFound(f"feedback {feedback_id} is not a current suggestion for initiative {initiative_id}")


async def accept(
    uow: UnitOfWork, actor: Actor, context: Context, initiative_id: str, feedback_id: str
) -> tuple[dict[str, Any], bool]:
    if existing := await store.get_link(uow, initiative_id, feedback_id):
        return existing, False  # accepted already: a retried acceptance answers the same link
    await _suggested(uow, initiative_id, feedback_id)
    return await link(uow, actor, context, initiative_id, feedback_id, LinkOrigin.suggestion)


async def dismiss(
    uow: UnitOfWork, actor: Actor, context: Context, initiative_id: str, feedback_id: str
) -> None:
    await open_for(uow, actor, initiative_id, "dismiss suggestions for its initiatives")
    if feedback_id in await store.dismissed(uow, initiative_id):
        return
    await _suggested(uow, initiative_id, feedback_id)
    await store.dismiss(uow, initiative_id, feedback_id, actor.name, context.now())
