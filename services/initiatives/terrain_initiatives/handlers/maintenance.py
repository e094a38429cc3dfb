"""Periodic work, run on one replica at a time: overdue flags, ended ballots, rescoring."""

import hashlib
import json
from dataclasses import asdict

from terrain_kit.uow import UnitOfWork

from ..store import dependencies as dependency_store
from ..store import initiatives as initiative_store
from ..store import planning as planning_store
from .context import Context
from .evidence import score

WEIGHTS_KEY = "priority_weights"


def fingerprint(context: Context) -> str:
    weights = asdict(context.weights)
    return hashlib.sha256(json.dumps(weights, sort_keys=True, default=dict).encode()).hexdigest()[:16]


async def rescore_if_weights_changed(uow: UnitOfWork, context: Context) -> int:
    """Stored scores follow the configured weights: recompute them all once after a change."""
    wanted = fingerprint(context)
    if await planning_store.get_meta(uow, WEIGHTS_KEY) == wanted:
        return 0
    docs = await initiative_store.all_for_scoring(uow)
    for doc in docs:
        await initiative_store.set_derived(
            uow,
            doc["_id"],
            {"priority": score(doc["evidence"], doc.get("vote_average"), doc["size"], context.weights)},
        )
    await planning_store.set_meta(uow, WEIGHTS_KEY, wanted)
    return len(docs)


async def overdue_count(uow: UnitOfWork, context: Context) -> int:
    return await dependency_store.count_overdue(uow, context.today())
