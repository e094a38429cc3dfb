"""Insights, and the situations that keep one insight per ongoing situation."""

from typing import Any

from terrain_contracts.events.insight import Insight
from terrain_kit.pagination import page
from terrain_kit.uow import UnitOfWork

from . import INSIGHTS, SITUATIONS


def _doc(insight: Insight, situation: str | None) -> dict[str, Any]:
    return {"_id": insight.insight_id, **insight.model_dump(mode="python"), "situation": situation}


def _insight(doc: dict[str, Any]) -> Insight:
    return Insight.model_validate({k: v for k, v in doc.items() if k not in ("_id", "situation")})


async def open_for(uow: UnitOfWork, situation: str) -> Insight | None:
    """The insight of an ongoing situation, if there is one."""
    return (await open_for_many(uow, [situation])).get(situation)


async def open_for_many(uow: UnitOfWork, situations: list[str]) -> dict[str, Insight]:
    """The insights of those situations that are ongoing, in one read (an open insight holds its
    situation)."""
    if not situations:
        return {}
    docs = await uow[INSIGHTS].find({"situation": {"$in": situations}}, session=uow.session).to_list(None)
    return {doc["situation"]: _insight(doc) for doc in docs}


async def open_situations(uow: UnitOfWork, prefix: str) -> list[dict[str, Any]]:
    return await uow[SITUATIONS].find({"_id": {"$regex": f"^{prefix}"}}, session=uow.session).to_list(None)


async def create(uow: UnitOfWork, insight: Insight, situation: str) -> None:
    # The situation's unique _id makes two replicas racing on one situation conflict, and one retry.
    await uow[SITUATIONS].insert_one(
        {"_id": situation, "insight_id": insight.insight_id}, session=uow.session
    )
    await uow[INSIGHTS].insert_one(_doc(insight, situation), session=uow.session)


async def replace(uow: UnitOfWork, insight: Insight, situation: str | None) -> None:
    # Two replicas updating one insight write the same document: one conflicts and retries, no version is
    # lost.
    await uow[INSIGHTS].replace_one(
        {"_id": insight.insight_id}, _doc(insight, situation), session=uow.session
    )
    if situation is None:
        await uow[SITUATIONS].delete_many({"insight_id": insight.insight_id}, session=uow.session)


async def get(uow: UnitOfWork, insight_id: str) -> tuple[Insight, str | None] | None:
    doc = await uow[INSIGHTS].find_one({"_id": insight_id}, session=uow.session)
    return (_insight(doc), doc.get("situation")) if doc else None


async def drop_evidence(uow: UnitOfWork, feedback_ids: list[str]) -> None:
    await uow[INSIGHTS].update_many(
        {"evidence_feedback_ids": {"$in": feedback_ids}},
        {"$pull": {"evidence_feedback_ids": {"$in": feedback_ids}}},
        session=uow.session,
    )


async def listing(
    uow: UnitOfWork, filters: dict[str, str], limit: int, cursor: str | None
) -> tuple[list[Insight], str | None]:
    """Insights matching ``filters`` (equality on fields), newest detected first, one keyset page."""
    docs, next_cursor = await page(
        uow[INSIGHTS], filters, sort=("detected_at", -1), limit=limit, cursor=cursor
    )
    return [_insight(d) for d in docs], next_cursor
