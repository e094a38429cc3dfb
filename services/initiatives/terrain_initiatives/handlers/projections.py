"""What the service keeps of other services' events: feedback for evidence, insights for suggestions."""

from datetime import datetime
from typing import Any

from terrain_contracts.events.feedback import FeedbackErased, FeedbackIngested
from terrain_contracts.events.initiative import FeedbackUnlinkedData, InitiativeFeedbackUnlinked
from terrain_contracts.events.insight import InsightDetected, InsightUpdated
from terrain_kit.erasure import erase_personal
from terrain_kit.uow import UnitOfWork

from ..domain.evidence import Weights
from ..store import evidence as store
from ..store import initiatives as initiative_store
from . import event
from .evidence import refresh


def _projection(event_: FeedbackIngested) -> dict[str, Any]:
    data = event_.data
    account = data.account
    return {
        "_id": data.feedback_id,
        "revision": data.revision,
        "ingested_at": data.ingested_at,
        "account_id": account.account_id if account else None,
        "account_name": account.name if account else None,
        "arr_minor": account.arr.amount_minor if account and account.arr else None,
        "currency": account.arr.currency if account and account.arr else None,
        # A rep's "this answers initiative X": a suggestion for that initiative's PM to accept or dismiss.
        **(
            {"proposed_initiative_id": data.proposed_initiative_id, "proposed_by": data.reporter.member_id}
            if data.proposed_initiative_id
            else {}
        ),
    }


async def apply_feedback(
    uow: UnitOfWork, events: list[FeedbackIngested | FeedbackErased], weights: Weights, now: datetime
) -> None:
    """Keep the newest revision of each item, forget erased ones, and rescore the initiatives linking them.

    Order within and across batches does not matter: a revision applies only when newer,
    and erasure leaves a tombstone that a later (or replayed) ingestion cannot pass.
    """
    erasures = [e for e in events if isinstance(e, FeedbackErased)]
    erased_ids = sorted({fid for e in erasures for fid in e.data.feedback_ids})
    affected: set[str] = set()
    if erased_ids:
        affected |= await _erase(uow, erasures, now)
        # Any event of ours still carrying their data (published or in the outbox) goes too.
        await erase_personal(uow, erased_ids)
    newest: dict[str, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, FeedbackIngested):
            held = newest.get(e.data.feedback_id)
            if held is None or e.data.revision > held["revision"]:
                newest[e.data.feedback_id] = _projection(e)
    ids = list(newest)
    if ids:
        gone = await store.erased(uow, ids)
        stored = await store.feedback_revisions(uow, ids)
        fresh = [
            doc for fid, doc in newest.items() if fid not in gone and doc["revision"] > stored.get(fid, 0)
        ]
        await store.store_feedback(uow, fresh)
        if fresh:
            affected |= {
                link["initiative_id"] for link in await store.links_of(uow, [d["_id"] for d in fresh])
            }
    if affected:
        await refresh(uow, affected, weights)


async def _erase(uow: UnitOfWork, erasures: list[FeedbackErased], now: datetime) -> set[str]:
    """Unlink erased items from every initiative, announcing each unlink, and leave tombstones."""
    affected: set[str] = set()
    for erasure in erasures:
        ids = list(erasure.data.feedback_ids)
        links = await store.links_of(uow, ids)
        if links:
            await store.delete_links(uow, [link["_id"] for link in links])
            owners = await initiative_store.by_ids(uow, sorted({link["initiative_id"] for link in links}))
            for link in links:
                owner = owners.get(link["initiative_id"])
                if owner is None:
                    continue
                affected.add(link["initiative_id"])
                await initiative_store.record(
                    uow,
                    link["initiative_id"],
                    owner["version"],
                    now,
                    erasure.data.requested_by,
                    "feedback_unlinked",
                    {
                        "feedback_id": {"from": link["feedback_id"], "to": None},
                        "erasure_id": erasure.data.erasure_id,
                    },
                )
                uow.emit(
                    event(
                        InitiativeFeedbackUnlinked,
                        FeedbackUnlinkedData(
                            initiative_id=link["initiative_id"],
                            owner_team_id=owner["owner_team_id"],
                            feedback_id=link["feedback_id"],
                            unlinked_by=erasure.data.requested_by,
                        ),
                        cause=erasure,
                    )
                )
        await store.erase_feedback(uow, ids, erasure.data.erasure_id, now)
    return affected


async def apply_insight(uow: UnitOfWork, event_: InsightDetected | InsightUpdated) -> None:
    """Keep the newest version of each insight: its theme and evidence make link suggestions."""
    insight = event_.data.insight
    held = await store.insight_version(uow, insight.insight_id)
    if held is not None and held >= insight.version:
        return
    await store.store_insight(
        uow,
        {
            "_id": insight.insight_id,
            "version": insight.version,
            "kind": insight.kind.value,
            "severity": insight.severity.value,
            "title": insight.title,
            "theme": insight.theme,
            "product_area": insight.product_area,
            "initiative_id": insight.initiative_id,
            "evidence_feedback_ids": list(insight.evidence_feedback_ids),
            "status": insight.status.value,
            "updated_at": insight.updated_at,
        },
    )
