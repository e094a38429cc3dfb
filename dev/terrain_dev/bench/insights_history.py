"""The stored history the insights per-event benchmark (``insights_per_event``) starts from.

``size`` classified items spread over the 90 days before today, with the hour and day buckets and
account memberships the pipeline would have written for them (built with the service's own ``Ops``),
the kit's processed-markers of the last 30 days and one day of published outbox entries.
"""

import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackCategory, SentimentLabel
from terrain_insights.domain.aggregates import Account, Ops, bucket_start, contribution
from terrain_insights.domain.classify import Classification, ThemeMatch
from terrain_insights.domain.taxonomy import from_yaml
from terrain_insights.handlers import periodic
from terrain_insights.store import (
    AGGREGATES,
    INDEXES,
    ITEMS,
    JOB_RUNS,
    MEMBERSHIPS,
    TAXONOMY,
    upgrade,
)
from terrain_kit.mongo import ensure_indexes
from terrain_kit.uow import OUTBOX, PROCESSED, kit_indexes

ROOT = Path(__file__).resolve().parents[3]
EVALUATION = ROOT / "services" / "insights" / "evaluation"
HISTORY_DAYS = 90
PROCESSED_DAYS = 29  # the kit keeps processed-markers 30 days (none expires during the run)
ACCOUNTS = 5000
CHUNK = 10_000
CONSUMER = "insights-classifier"


def texts() -> list[str]:
    lines = (EVALUATION / "labelled.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _flatten(update: dict[str, Any], _id: str) -> dict[str, Any]:
    """The document an upsert of ``update`` creates in an empty collection."""
    doc: dict[str, Any] = {"_id": _id, **update.get("$setOnInsert", {}), **update.get("$max", {})}
    for path, amount in {**update.get("$inc", {}), **update.get("$set", {})}.items():
        *parents, leaf = path.split(".")
        target = doc
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = amount
    return doc


def history_day(
    day: datetime, count: int, first: int, themes: list[tuple[str, str]], texts: list[str], rng: random.Random
) -> tuple[list[dict], list[dict], list[dict]]:
    """One day of history: (items, buckets, memberships), as ingestion would have written them."""
    ops, items = Ops(), []
    for n in range(first, first + count):
        area, theme = themes[rng.randrange(len(themes))]
        at = day + timedelta(seconds=rng.randrange(86_400))
        account = Account(
            f"acc-{rng.randrange(ACCOUNTS)}",
            1_000_000 * rng.randint(1, 20),
            "EUR",
            rng.choice(["smb", "mid_market", "enterprise"]),
        )
        result = Classification(
            1, [ThemeMatch(theme, area, 0.4)], FeedbackCategory.bug, SentimentLabel.negative, -0.4
        )
        contrib = contribution(result, at, account)
        feedback_id = f"seed-{n:08d}"
        ops.add(contrib, +1, feedback_id)
        items.append(_item(feedback_id, texts[n % len(texts)], at, account, area, theme, contrib))
    members = list(ops.members.values())  # a fresh day: every membership appears
    buckets = [_flatten(update, doc_id) for doc_id, update in ops.bucket_updates(members, [], day)]
    return items, buckets, _memberships(ops)


def _item(
    feedback_id: str, text: str, at: datetime, account: Account, area: str, theme: str, contrib: Any
) -> dict[str, Any]:
    """A classified item as the classifier stores it."""
    return {
        "_id": feedback_id,
        "revision": 1,
        "text": text,
        "occurred_at": at,
        "language": "en",
        "account": {
            "account_id": account.account_id,
            "arr": account.arr_minor,
            "currency": "EUR",
            "segment": account.segment,
            "renewal_date": None,
        },
        "classification": {
            "taxonomy_version": 1,
            "category": "bug",
            "sentiment": "negative",
            "sentiment_score": -0.4,
            "language": "en",
            "themes": [{"theme": theme, "product_area": area, "confidence": 0.4}],
        },
        "unassigned": False,
        "contribution": contrib,
    }


def _memberships(ops: Ops) -> list[dict[str, Any]]:
    return [
        {
            "_id": member_id,
            "bucket": m.bucket,
            "key": m.key,
            "start": m.start,
            "account": m.account,
            "n": m.delta,
            "arr": m.arr,
            "currency": m.currency,
            "segment": m.segment,
            "feedback_id": m.feedback_id,
        }
        for member_id, m in ops.members.items()
    ]


async def _insert(collection: Any, docs: list[dict]) -> None:
    for n in range(0, len(docs), CHUNK):
        await collection.insert_many(docs[n : n + CHUNK], ordered=False)


async def seed(db: Any, size: int, max_seconds: float) -> int:
    """Seed ``size`` items of history (fewer if ``max_seconds`` runs out); the number seeded."""
    await ensure_indexes(db, [*kit_indexes(30, 24), *INDEXES])
    taxonomy = from_yaml((EVALUATION / "taxonomy.yaml").read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    await _running_system(db, taxonomy, now)
    themes, lines, rng = [(area, t.slug) for area, t in taxonomy.themes], texts(), random.Random(7)
    per_day = -(-size // HISTORY_DAYS)
    today = bucket_start(now, "day")
    started, done = time.perf_counter(), 0
    for back in range(HISTORY_DAYS, 0, -1):
        if done >= size or time.perf_counter() - started > max_seconds:
            break
        day = today - timedelta(days=back)
        items, buckets, memberships = history_day(day, min(per_day, size - done), done, themes, lines, rng)
        await _insert(db[ITEMS], items)
        await _insert(db[MEMBERSHIPS], memberships)
        await _insert(db[AGGREGATES], buckets)
        await _kit_records(db, items, back, now)
        done += len(items)
        elapsed = time.perf_counter() - started
        if back % 10 == 0 or back == 1 or done >= size:
            print(
                f"    day -{back:2d}: {done:>9,} items, {len(memberships):,} memberships that day, "
                f"{elapsed:5.0f}s ({done / elapsed:,.0f} items/s)",
                flush=True,
            )
    return done


async def _running_system(db: Any, taxonomy: Any, now: datetime) -> None:
    """A system that has been running: its taxonomy, upgraded, its unowned-demand detector up to date."""
    await db[TAXONOMY].insert_one(
        {"_id": 1, **taxonomy.content(), "created_at": now, "created_by": "bench", "note": None}
    )
    await db[JOB_RUNS].insert_many(
        [
            {"_id": upgrade.BUCKETS_MARKER, "ran_at": now},
            {"_id": upgrade.ITEMS_MARKER, "ran_at": now},
            {"_id": periodic.UNOWNED_JOB, "ran_at": now, "themes": 0},
        ]
    )


async def _kit_records(db: Any, items: list[dict], back: int, now: datetime) -> None:
    """The kit's processed-markers (kept 30 days) and published outbox entries (kept a day) of a day."""
    if back <= PROCESSED_DAYS:
        await _insert(
            db[PROCESSED], [{"_id": f"{CONSUMER}:{uuid4()}", "at": i["occurred_at"]} for i in items]
        )
    if back == 1:
        sent = now - timedelta(hours=12)
        await _insert(
            db[OUTBOX],
            [
                {
                    "_id": str(uuid4()),
                    "subject": "terrain.feedback.classified.v1",
                    "stream": streams.FEEDBACK,
                    "body": "{}",
                    "headers": {},
                    "created_at": sent,
                    "published_at": sent,
                }
                for _ in items
            ],
        )
