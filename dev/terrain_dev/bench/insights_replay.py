"""Benchmark: taxonomy replay rate (stored items reclassified per second) beside the raw JetStream rate.

    .venv/bin/python -m terrain_dev.bench.insights_replay --size 20000

In one run, against one nats-server and one SecantusDB: the raw JetStream reference
(``common.raw_jetstream``), then a database seeded with ``--size`` classified items over 90 days with
their buckets and memberships (``insights_history.seed``: the history the pipeline would have written,
taxonomy version 1), the insights service started on it (production replay settings: chunks of 200, one
transaction each; the periodic detectors held off by leases), a version 2 of the taxonomy imported through
the API (a new ``large-exports`` theme in Reporting, so exports items move), and ``POST /v1/replays``
timed until the replay reports ``done``. Progress is printed as it goes.
"""

import argparse
import asyncio
import time
from typing import Any

import yaml
from pymongo import AsyncMongoClient

from terrain_dev.bench import insights_per_event as history
from terrain_dev.bench.common import print_report, raw_jetstream, servers
from terrain_dev.bench.insights_history import EVALUATION, seed

NEW_THEME = {
    "slug": "large-exports",
    "name": "Large exports",
    "description": "Exports of big accounts that time out or come back incomplete.",
    "examples": [
        "The export of our full project list times out",
        "Large CSV exports come back truncated",
        "L'export complet de nos projets n'aboutit jamais",
    ],
    "keywords": ["timeout", "times out", "truncated", "large export", "full export"],
}


def version_two() -> bytes:
    taxonomy = yaml.safe_load((EVALUATION / "taxonomy.yaml").read_text(encoding="utf-8"))
    reporting = next(area for area in taxonomy["areas"] if area["slug"] == "reporting")
    reporting["themes"].append(NEW_THEME)
    return yaml.safe_dump(taxonomy, allow_unicode=True).encode()


async def replay(svc, poll: float = 0.5) -> tuple[float, dict]:
    """Seconds from the request until the replay is done, and its final report."""
    current = await svc.http.get("/v1/taxonomy")  # a replace names the version it is based on
    imported = await svc.http.post(
        "/v1/taxonomy/import",
        content=version_two(),
        headers={"Content-Type": "application/yaml", "If-Match": current.headers["ETag"]},
    )
    imported.raise_for_status()
    started = time.perf_counter()
    answer = await svc.http.post("/v1/replays", json={})
    answer.raise_for_status()
    job, shown = answer.json(), started
    while job["status"] != "done":
        await asyncio.sleep(poll)
        job = (await svc.http.get(f"/v1/replays/{job['replay_id']}")).json()
        if time.perf_counter() - shown >= 10:
            shown = time.perf_counter()
            print(f"  {job['done']:,} of {job['total']:,} items after {shown - started:.0f}s", flush=True)
    return time.perf_counter() - started, job


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()
    with servers() as running_servers:
        raw = await raw_jetstream(running_servers.nats.url)
        database = f"bench_insights_replay_{int(time.time())}"
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(running_servers.mongo.uri, tz_aware=True)
        started = time.perf_counter()
        seeded = await seed(client[database], args.size, 3600)
        print(f"seeded {seeded:,} items in {time.perf_counter() - started:.0f}s", flush=True)
        await history.hold_periodic_jobs(client[database])
        await client.close()  # idle for the whole replay: the server would have closed it
        async with history.started(running_servers.nats, running_servers.mongo, database) as svc:
            seconds, job = await replay(svc)
        print(f"replay done: {job['done']:,} items in {seconds:.1f}s", flush=True)
    print_report(
        f"Insights taxonomy replay ({job['total']:,} stored items, version {job['version']})",
        raw,
        [
            ("replay: items reclassified", job["done"], "items"),
            ("replay: items that moved theme", job["moved"], "items"),
            ("replay: duration", seconds, "s"),
            ("replay: rate", job["done"] / seconds, "msg/s"),
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())
