"""Feedback ingested: classify, move aggregates, run the event-driven detectors, all in one transaction.

An edit (revision + 1) takes back the contribution of the previous revision
before adding its own, so nothing is counted twice; an older revision
arriving late is ignored. Erasure takes the contribution back and leaves a
tombstone, so a late redelivery of the ingestion cannot bring the item back.
"""

import asyncio
import time
from datetime import datetime
from typing import Any

from terrain_contracts.events.feedback import (
    FeedbackClassified,
    FeedbackClassifiedData,
    FeedbackErased,
    FeedbackIngested,
    FeedbackIngestedData,
)
from terrain_contracts.events.feedback import ThemeMatch as ContractThemeMatch
from terrain_kit.erasure import erase_personal
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.aggregates import Account, Ops, contribution
from ..domain.classify import Classification, with_correction
from ..store import aggregates, items, learned
from ..store import insights as insights_store
from . import detect
from .context import SOURCE, Context


def account_of(data: FeedbackIngestedData) -> Account | None:
    snapshot = data.account
    if snapshot is None:
        return None
    return Account(
        snapshot.account_id,
        snapshot.arr.amount_minor if snapshot.arr else None,
        snapshot.arr.currency if snapshot.arr else None,
        snapshot.segment,
        snapshot.renewal_date,
    )


def item_doc(data: FeedbackIngestedData, result: Classification, contrib: dict[str, Any]) -> dict[str, Any]:
    account = account_of(data)
    return {
        "_id": data.feedback_id,
        "revision": data.revision,
        "text": data.text,
        "occurred_at": data.occurred_at,
        "language": data.language,
        "account": None
        if account is None
        else {
            "account_id": account.account_id,
            "arr": account.arr_minor,
            "currency": account.currency,
            "segment": account.segment,
            "renewal_date": account.renewal_date.isoformat() if account.renewal_date else None,
        },
        **classified_fields(result, data.occurred_at, contrib),
    }


def classified_fields(
    result: Classification, occurred_at: datetime, contrib: dict[str, Any]
) -> dict[str, Any]:
    """What a classification sets on an item. Only unassigned items carry ``unassigned_at``: its sparse index
    (what clustering reads) costs nothing to the assigned majority."""
    fields = {
        "classification": classification_doc(result),
        "unassigned": not result.themes,
        "contribution": contrib,
    }
    return fields | ({} if result.themes else {"unassigned_at": occurred_at})


def classification_doc(result: Classification) -> dict[str, Any]:
    return {
        "taxonomy_version": result.taxonomy_version,
        "category": result.category.value,
        "sentiment": result.sentiment.value,
        "sentiment_score": result.sentiment_score,
        "language": result.language,
        "themes": [
            {"theme": m.theme, "product_area": m.product_area, "confidence": m.confidence}
            for m in result.themes
        ],
    }


def classified_event(
    feedback_id: str, revision: int, result: Classification, language: str | None, cause
) -> FeedbackClassified:
    return FeedbackClassified.create(
        FeedbackClassifiedData(
            feedback_id=feedback_id,
            revision=revision,
            taxonomy_version=result.taxonomy_version,
            themes=[
                ContractThemeMatch(theme=m.theme, product_area=m.product_area, confidence=m.confidence)
                for m in result.themes
            ],
            category=result.category,
            sentiment=result.sentiment,
            sentiment_score=result.sentiment_score,
            language=language or result.language,
        ),
        source=SOURCE,
        cause=cause,
    )


async def ingest(uow: UnitOfWork, events: list[FeedbackIngested], context: Context) -> None:
    newest: dict[str, FeedbackIngested] = {}
    for event in events:  # two revisions of one item in a batch: the later one wins, counted once
        known = newest.get(event.data.feedback_id)
        if known is None or event.data.revision > known.data.revision:
            newest[event.data.feedback_id] = event
    stored = await items.states(uow, list(newest))
    fresh = [e for e in newest.values() if _is_news(stored.get(e.data.feedback_id), e.data.revision)]
    if not fresh:
        return
    now = context.now()
    classifier = await context.classifier(uow)
    started = time.perf_counter()
    # In a worker thread: the models release the GIL, so the loop keeps serving heartbeats and other batches.
    results = await asyncio.to_thread(classifier.classify_many, [e.data.text for e in fresh])
    metrics.CLASSIFY_SECONDS.observe(time.perf_counter() - started)
    ops = Ops()
    docs = []
    for i, (event, result) in enumerate(zip(fresh, results, strict=True)):
        data = event.data
        previous = stored.get(data.feedback_id) or {}
        if previous.get("contribution"):
            ops.add(previous["contribution"], -1)
        if previous.get("corrected"):  # an edit keeps the theme and kind Product Ops gave the item
            results[i] = result = with_correction(result, previous["corrected"], classifier.taxonomy)
        contrib = contribution(result, data.occurred_at, account_of(data))
        ops.add(contrib, +1, data.feedback_id)
        kept = {"corrected": previous["corrected"]} if previous.get("corrected") else {}
        docs.append(item_doc(data, result, contrib) | kept)
        uow.emit(classified_event(data.feedback_id, data.revision, result, data.language, event))
        metrics.ITEMS_CLASSIFIED.labels(
            "assigned" if result.themes else "unassigned", result.category.value
        ).inc()
    await aggregates.apply(uow, ops, now)
    await items.save(uow, docs, existing={i for i, doc in stored.items() if not doc.get("erased")})
    await detect.after_ingest(uow, context, list(zip(fresh, results, strict=True)), now)


def _is_news(stored: dict[str, Any] | None, revision: int) -> bool:
    if stored is None:
        return True
    return not stored.get("erased") and revision > stored.get("revision", 0)


async def erase(uow: UnitOfWork, event: FeedbackErased, context: Context) -> None:
    ids = list(dict.fromkeys(event.data.feedback_ids))
    stored = await items.states(uow, ids)
    ops = Ops()
    for doc in stored.values():
        if doc.get("contribution"):
            ops.add(doc["contribution"], -1)
    await aggregates.apply(uow, ops, context.now())
    await items.erase(uow, ids)
    await insights_store.drop_evidence(uow, ids)
    if await learned.forget(uow, ids) is not None:
        context.forget_learned()
    await erase_personal(uow, ids)  # any event of ours carrying their data, published or in the outbox


async def reapply(
    uow: UnitOfWork, context: Context, docs: list[dict[str, Any]], results: list[Classification]
) -> list[bool]:
    """Replace stored items' classifications (replay), moving their contributions in one write per
    collection; for each item, whether its themes changed."""
    ops = Ops()
    saved, moved = [], []
    for doc, result in zip(docs, results, strict=True):
        if doc.get("contribution"):
            ops.add(doc["contribution"], -1)
        account = doc.get("account")
        contrib = contribution(
            result,
            doc["occurred_at"],
            None
            if account is None
            else Account(
                account["account_id"], account.get("arr"), account.get("currency"), account.get("segment")
            ),
        )
        ops.add(contrib, +1, doc["_id"])
        kept = {k: v for k, v in doc.items() if k != "unassigned_at"}
        saved.append(kept | classified_fields(result, doc["occurred_at"], contrib))
        before = [t["theme"] for t in doc["classification"]["themes"]]
        moved.append(before != [m.theme for m in result.themes])
        if moved[-1] or doc["classification"]["taxonomy_version"] != result.taxonomy_version:
            uow.emit(classified_event(doc["_id"], doc["revision"], result, doc.get("language"), None))
    await aggregates.apply(uow, ops, context.now())
    await items.save(uow, saved, existing={doc["_id"] for doc in docs})
    return moved
