"""Replay: re-apply a taxonomy version to every stored item, in chunks, with progress and a diff report.

Each chunk is one transaction: the items' contributions move between
themes with the same atomic increments as live traffic, and the replay's
progress (done, moved, demand per theme before and after) advances with
them, so a replay interrupted anywhere resumes from its cursor.
"""

import asyncio
from typing import Any
from uuid import uuid4

from terrain_kit.errors import Conflict
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.classify import with_correction
from ..store import items, replays
from ..store import taxonomy as taxonomy_store
from .context import Context
from .feedback import reapply

MAX_MOVED_EXAMPLES = 50


async def request(uow: UnitOfWork, context: Context, version: int | None, author: str) -> dict[str, Any]:
    taxonomy = await (taxonomy_store.get(uow, version) if version else taxonomy_store.latest(uow))
    if taxonomy is None:
        raise Conflict(f"no taxonomy version {version}" if version else "no taxonomy yet")
    job = {
        "_id": f"rep-{uuid4().hex[:12]}",
        "version": taxonomy.version,
        "status": "pending",
        "requested_by": author,
        "requested_at": context.now(),
        "total": await items.count(uow),
        "done": 0,
        "moved": 0,
        "cursor": None,
        "before": {},
        "after": {},
        "moved_examples": [],
    }
    await replays.insert(uow, job)
    return job


async def next_job(uow: UnitOfWork) -> dict[str, Any] | None:
    return await replays.next_ongoing(uow)


async def step(uow: UnitOfWork, context: Context, job_id: str, ids: list[str]) -> bool:
    """Reclassify the items of ``ids`` (the next ones past the job's cursor); False if the job is over."""
    job = await replays.get(uow, job_id)
    if job is None or job["status"] not in replays.ONGOING:
        return False
    docs = await items.chunk(uow, ids)
    classifier = await context.classifier(uow, job["version"])
    inc: dict[str, int] = {"done": len(docs)}
    moved_examples = []
    results = await asyncio.to_thread(classifier.classify_many, [d["text"] for d in docs])
    results = [
        with_correction(r, d.get("corrected"), classifier.taxonomy)
        for r, d in zip(results, docs, strict=True)
    ]
    for doc, result, moved in zip(docs, results, await reapply(uow, context, docs, results), strict=True):
        before = [t["theme"] for t in doc["classification"]["themes"]]
        after = [m.theme for m in result.themes]
        for theme in before or ["unassigned"]:
            inc[f"before.{theme}"] = inc.get(f"before.{theme}", 0) + 1
        for theme in after or ["unassigned"]:
            inc[f"after.{theme}"] = inc.get(f"after.{theme}", 0) + 1
        if moved:
            inc["moved"] = inc.get("moved", 0) + 1
            moved_examples.append({"feedback_id": doc["_id"], "from": before, "to": after})
        metrics.REPLAYED.labels(str(moved).lower()).inc()
    room = max(0, MAX_MOVED_EXAMPLES - len(job.get("moved_examples", [])))
    await replays.advance(uow, job_id, inc, ids[-1], moved_examples[:room])
    return True


async def finish(uow: UnitOfWork, context: Context, job_id: str) -> None:
    await replays.finish(uow, job_id, context.now())
