"""Erasure (GDPR): one customer's feedback deleted, its ids never ingested again, the others told."""

import uuid
from dataclasses import dataclass
from typing import Any

from terrain_contracts.events.feedback import FeedbackErased, FeedbackErasedData, email_digest
from terrain_kit import logs
from terrain_kit.erasure import erase_personal
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..store import erasures as store
from ..store import followups
from .context import Context

SOURCE = "feedback"
ERASURE_PART = 1000  # ids per feedback.erased event (the contract's bound)


@dataclass(frozen=True)
class Erasure:
    erasure_id: str
    feedback_ids: list[str]
    replayed: bool  # the same request was already carried out: nothing more was done


async def erase_customer(
    uow: UnitOfWork,
    context: Context,
    *,
    account_id: str | None,
    customer_email: str | None,
    reason: str,
    requested_by: str,
    erasure_id: str | None = None,
) -> Erasure:
    """Delete one customer's feedback and tell the other services, in parts of at most 1000 ids.

    The events carrying their data (submitted, ingested) are deleted from the streams and the outbox
    (terrain_kit.erasure); the record and the events name the customer by a digest of the email."""
    erasure_id = erasure_id or f"er-{uuid.uuid4().hex}"
    # Erased items must not be linked to from here on (a replayed request forgets too, as it always did).
    uow.after_commit(context.recent.forget)
    done = await store.find_erasure(uow, erasure_id)
    if done is not None:
        return Erasure(erasure_id, done.get("feedback_ids", []), replayed=True)
    digest = email_digest(customer_email) if customer_email else None
    record: dict[str, Any] = {
        "_id": erasure_id,
        "account_id": account_id,
        "customer_email_sha256": digest,
        "reason": reason,
        "requested_by": requested_by,
        "at": context.now(),
    }
    ids = await store.erase(uow, account_id, customer_email, record)
    await erase_personal(uow, ids)
    if ids:
        await followups.forget(uow, ids)  # their themes and initiative links (ids only, but theirs)
    parts = [ids[i : i + ERASURE_PART] for i in range(0, len(ids), ERASURE_PART)]
    for number, part in enumerate(parts, start=1):
        data = FeedbackErasedData(
            erasure_id=erasure_id,
            account_id=account_id,
            customer_email_sha256=digest,
            feedback_ids=part,
            part=number,
            parts=len(parts),
            reason=reason,
            requested_by=requested_by,
        )
        uow.emit(FeedbackErased.create(data, source=SOURCE, correlation_id=logs.correlation_id.get()))
    metrics.ERASED.inc(len(ids))
    return Erasure(erasure_id, ids, replayed=False)
