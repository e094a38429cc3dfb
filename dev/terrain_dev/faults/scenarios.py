"""The scenarios of the fault suite: what is done to the system while the load runs, and what else is
checked besides "nothing lost, nothing doubled"."""

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from terrain_contracts import streams

from .counters import redeliveries
from .poison import mix_in_poison, poison_checks
from .runner import Outcome, Run, Schedule, execute
from .system import Topology, rss_kib


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    schedule: Schedule
    after: Schedule | None = None
    topology: Topology = field(default_factory=Topology)
    events: int = 200  # full suite, at RATE per second
    short_events: int = 40
    short_env: dict[str, str] = field(default_factory=dict)  # the short run's only other settings


async def nothing(run: Run) -> None:
    """No fault: the reference figures of the same system and load."""


# -- NATS -------------------------------------------------------------------------------------


async def kill_feedback_leader(run: Run) -> None:
    total = run.figures["planned_seconds"]
    await run.at(0.25 * total)
    cluster = run.system.cluster
    leader = await cluster.leader(run.js, streams.FEEDBACK)
    cluster.kill(leader)
    run.fault(f"SIGKILL nats node {leader}, leader of the FEEDBACK stream")
    await run.at(0.5 * total)
    await asyncio.to_thread(cluster.restart, leader)
    run.mark(f"node {leader} restarted and caught up")
    run.notes.append(
        f"killed node {leader} (FEEDBACK leader) at {0.25 * total:.0f}s, restarted at "
        f"{0.5 * total:.0f}s; healthy again {run.elapsed() - 0.5 * total:.1f}s later"
    )


async def bounce_nodes(run: Run) -> None:
    total = run.figures["planned_seconds"]
    cluster = run.system.cluster
    bounced = 0
    for k, fraction in enumerate((0.1, 0.3, 0.5, 0.7)):
        await run.at(fraction * total)
        node = k % len(cluster.nodes)
        cluster.kill(node)
        run.fault(f"SIGKILL nats node {node}")
        await asyncio.to_thread(cluster.restart, node)  # healthy = its streams caught up
        bounced += 1
    run.notes.append(f"{bounced} bounces (SIGKILL, restart, wait until caught up), every node in turn")


# -- service replicas -------------------------------------------------------------------------

VICTIMS = (
    ("feedback", ("feedback-intake",)),
    ("insights", ("insights-classifier",)),
    ("notifier", ("notifier-insights", "notifier-reporters")),
    ("initiatives", ("initiatives-feedback", "initiatives-insights")),
)


async def kill_replicas(run: Run) -> None:
    total = run.figures["planned_seconds"]
    killed = []
    for k, (service, durables) in enumerate(VICTIMS):
        await run.at((0.1 + 0.15 * k) * total)
        in_flight = await run.mid_batch(durables, within=3.0)
        run.system.services[service][0].kill()
        run.fault(f"SIGKILL {service}-0")
        killed.append(f"{service}-0" + (" (batch in flight)" if in_flight else " (no batch seen in flight)"))
    await run.at(0.75 * total)
    for service, _ in VICTIMS:
        await asyncio.to_thread(run.system.services[service][0].start)
    run.mark("killed replicas restarted")
    run.notes.append(
        "SIGKILL " + ", ".join(killed) + "; the other replica of each carried on; "
        "the killed ones were restarted at 75% of the load"
    )


# -- MongoDB ----------------------------------------------------------------------------------


async def restart_mongo(run: Run) -> None:
    total = run.figures["planned_seconds"]
    await run.at(0.3 * total)
    run.system.mongo.kill()
    run.fault("SIGKILL the Mongo-wire server")
    await run.at(0.3 * total + 5.0)  # five seconds without a database
    await asyncio.to_thread(run.system.mongo.start)
    run.mark("Mongo-wire server restarted")
    run.notes.append(
        "SIGKILL of the Mongo-wire server, down 5 s, restarted on the same port and data; "
        "no service was restarted or told"
    )


# -- slow endpoint ----------------------------------------------------------------------------

SLOW_SECONDS = 3.0


async def slow_endpoint(run: Run) -> None:
    run.system.receiver.delay_seconds = SLOW_SECONDS
    pids = [p.process.pid for p in run.system.services["notifier"] if p.process is not None]
    run.figures["rss_before_mib"] = max(rss_kib(pid) for pid in pids) / 1024
    run.figures["rss_max_mib"] = run.figures["rss_before_mib"]
    run.figures["pending_max"] = 0

    async def sample() -> None:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(run.system.mongo.uri)
        try:
            while True:
                run.figures["rss_max_mib"] = max(
                    run.figures["rss_max_mib"], max(rss_kib(pid) for pid in pids) / 1024
                )
                pending = await client.terrain_notifier.deliveries.count_documents({"status": "pending"})
                run.figures["pending_max"] = max(run.figures["pending_max"], pending)
                await asyncio.sleep(0.5)
        finally:
            await client.close()

    run.background = asyncio.create_task(sample())


async def slow_checks(run: Run) -> None:
    if run.background is not None:
        run.background.cancel()
    growth = run.figures["rss_max_mib"] - run.figures["rss_before_mib"]
    again = await redeliveries(run.js)
    notifier = sum(n for durable, n in again.items() if durable.startswith("notifier-"))
    resent = sum(1 for w in _webhook_counts(run).values() if w > 1)
    run.check(f"notifier memory bounded: RSS grew {growth:.1f} MiB (limit 64)", growth <= 64)
    run.check(f"no redelivery storm: {notifier} JetStream redeliveries to the notifier", notifier == 0)
    run.check(f"no notification sent twice ({resent})", resent == 0)
    before, peak, pending = (run.figures[k] for k in ("rss_before_mib", "rss_max_mib", "pending_max"))
    run.notes.append(
        f"endpoint answering in {SLOW_SECONDS:g}s; notifier RSS {before:.0f} -> max {peak:.0f} "
        f"MiB; up to {pending:.0f} deliveries waited in MongoDB"
    )


def _webhook_counts(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for w in run.system.receiver.requests():
        counts[w.webhook_id] = counts.get(w.webhook_id, 0) + 1
    return counts


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "steady", "no fault (reference)", "The same system and load with nothing done to it.", nothing
        ),
        Scenario(
            "nats-leader-kill",
            "NATS: SIGKILL the stream leader, restart it",
            "3-node cluster, R3 streams: the node leading FEEDBACK is SIGKILLed at 25% of the load and "
            "restarted at 50%.",
            kill_feedback_leader,
        ),
        Scenario(
            "nats-bounce",
            "NATS: bounce nodes repeatedly",
            "3-node cluster, R3 streams: four times, a node (each in turn) is SIGKILLed and restarted, the "
            "next bounce waiting until it caught up.",
            bounce_nodes,
        ),
        Scenario(
            "replica-kill",
            "Services: SIGKILL one of two replicas mid-batch",
            "Two replicas of every service; one replica of feedback, insights, notifier and initiatives is "
            "SIGKILLed in turn while a batch is in flight; restarted at 75%.",
            kill_replicas,
        ),
        Scenario(
            "mongo-restart",
            "MongoDB: SIGKILL and restart mid-load",
            "The Mongo-wire server is SIGKILLed at 30% of the load and restarted 5 s later; services are "
            "left alone.",
            restart_mongo,
        ),
        Scenario(
            "poison",
            "Poison and malformed events mixed in",
            "Eight malformed submissions (not JSON, wrong shapes, half an emoji, 800 kB of binary, 1 MB of "
            "quotes) and four poison ones (valid, but their handler fails every time: the kit's "
            "consumer.poison fault point) spread over 40-90% of the load.",
            mix_in_poison,
            poison_checks,
            topology=Topology(extra_env={"FEEDBACK_FAULT_POINTS": '["consumer.poison"]'}),
            short_env={"FEEDBACK_CONSUMER__BACKOFF_SECONDS": "[0.2, 0.5, 1.0, 2.0]"},
        ),
        Scenario(
            "slow-endpoint",
            "Slow notification endpoint",
            f"The webhook receiver takes {SLOW_SECONDS:g} s to answer each notification (slower than the "
            "load arrives).",
            slow_endpoint,
            slow_checks,
            events=150,
            short_events=30,
        ),
    )
}


async def run_scenario(scenario: Scenario, root: Path, short: bool = False) -> Outcome:
    topology = scenario.topology
    if short and scenario.short_env:
        topology = replace(topology, extra_env={**topology.extra_env, **scenario.short_env})
    return await execute(
        scenario.name,
        root,
        topology,
        scenario.short_events if short else scenario.events,
        scenario.schedule,
        scenario.after,
    )
