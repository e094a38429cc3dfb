"""Where a Mongo-wire server's time goes: its ``system.profile`` (mongod's profiler) summed by query shape.

The local stack's four services share one SecantusDB process: a query that scans a growing collection
slows every service. ``start`` records a share of every operation (profiling level 2), ``summary`` groups
the records by database, collection, command and the fields it filters on, and ranks them by time.
"""

from collections import defaultdict
from typing import Any

from pymongo import AsyncMongoClient

COMMANDS = (
    "find",
    "findAndModify",
    "update",
    "insert",
    "delete",
    "aggregate",
    "count",
    "distinct",
    "commitTransaction",
    "abortTransaction",
    "getMore",
)


async def start(uri: str, databases: tuple[str, ...], sample_rate: float) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        for name in databases:
            await client[name].command({"profile": 2, "sampleRate": sample_rate})
    finally:
        await client.close()


def shape(command: dict[str, Any]) -> str:
    name = next((key for key in COMMANDS if key in command), next(iter(command), "?"))
    collection = command.get(name) if isinstance(command.get(name), str) else ""
    if name == "update":
        filters = [u.get("q", {}) for u in command.get("updates", [])[:1]]
    elif name == "delete":
        filters = [d.get("q", {}) for d in command.get("deletes", [])[:1]]
    else:
        filters = [command.get("filter") or command.get("query") or {}]
    fields = sorted({key for f in filters if isinstance(f, dict) for key in f})
    sort = f" sort {sorted(command['sort'])}" if isinstance(command.get("sort"), dict) else ""
    return f"{name} {collection} {{{', '.join(fields)}}}{sort}".replace(" {}", "")


async def summary(uri: str, databases: tuple[str, ...], sample_rate: float, top: int = 12) -> list[str]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    try:
        for name in databases:
            await client[name].command({"profile": 0})
            async for entry in client[name]["system.profile"].find({}, {"command": 1, "millis": 1}):
                key = f"{name.removeprefix('terrain_')}: {shape(entry.get('command') or {})}"
                totals[key][0] += entry.get("millis", 0) / sample_rate
                totals[key][1] += 1 / sample_rate
    finally:
        await client.close()
    overall = sum(t for t, _ in totals.values()) or 1.0
    lines = [f"database time by query shape (profiler, {sample_rate:.0%} of operations sampled, scaled up):"]
    for key, (millis, count) in sorted(totals.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(
            f"  {millis / 1000:8.1f} s {millis / overall:6.1%} {count:8,.0f} ops "
            f"{millis / max(count, 1):7.1f} ms/op  {key}"
        )
    return lines
