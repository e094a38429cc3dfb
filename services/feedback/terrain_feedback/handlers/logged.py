"""Feedback a person logs themselves (the API, Slack, email): one submission, idempotent by its id.

The id derives from (source, external id); the external id carries the client's key (API), the Slack
message or the Message-ID, so the same capture twice answers the item stored the first time.
"""

from dataclasses import dataclass

from terrain_kit.uow import Transactions, UnitOfWork

from ..domain.items import Decision, Outcome
from ..store import items as item_store
from ..store.items import CONFLICTS
from . import intake
from .context import Context
from .intake import Submission


@dataclass(frozen=True)
class Logged:
    decision: Decision
    created: bool  # False: the same key (message) was logged before; the stored item is answered


async def log_feedback(uow: UnitOfWork, context: Context, submission: Submission) -> Logged:
    """Store the item with its feedback.ingested, unless this key already names an item (then nothing)."""
    fid = submission.data.feedback_id
    if (await item_store.items_by_id(uow, [fid])).get(fid) is not None:
        return Logged(Decision(Outcome.unchanged, fid), created=False)
    decision = await intake.ingest_one(uow, context, submission)
    return Logged(decision, created=decision.outcome is Outcome.created)


ATTEMPTS = 3


async def log_with_retries(transactions: Transactions, context: Context, submission: Submission) -> Logged:
    """:func:`log_feedback` in one transaction; another replica storing the same key meanwhile (a duplicate
    key, a concurrent edit): deciding again answers the item it stored."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await transactions.run(lambda uow: log_feedback(uow, context, submission))
        except CONFLICTS:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")
