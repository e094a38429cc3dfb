"""Running one scenario: a fresh system, seeded accounts, a steady load with faults injected on a
schedule, then (once nothing is in flight anywhere) the effects counted per acknowledged event."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from terrain_contracts import streams

from ..waiting import eventually
from .counters import Effects, Tally, collect, latencies, percentile, redeliveries, tally, wait_idle
from .load import Load
from .system import System, Topology

RATE = 5.0  # events per second: steady, and below what the whole pipeline sustains on the 2-core machine


@dataclass(frozen=True)
class Mark:
    label: str
    at: float  # wall clock
    fault: bool


@dataclass
class Check:
    what: str
    ok: bool


@dataclass
class Run:
    """What a scenario's fault schedule and checks work with."""

    system: System
    js: JetStreamContext
    load: Load
    started: float = 0.0  # wall clock at the first publish
    marks: list[Mark] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    background: asyncio.Task | None = None

    async def at(self, seconds: float) -> None:
        """Until ``seconds`` into the load (the fault schedule's clock)."""
        await asyncio.sleep(max(0.0, self.started + seconds - time.time()))

    def fault(self, label: str) -> None:
        self.marks.append(Mark(label, time.time(), True))

    def mark(self, label: str) -> None:
        self.marks.append(Mark(label, time.time(), False))

    def check(self, what: str, ok: bool) -> None:
        self.checks.append(Check(what, ok))

    def elapsed(self) -> float:
        return time.time() - self.started

    async def mid_batch(self, durables: tuple[str, ...], within: float = 5.0) -> bool:
        """Until one of these consumers has messages delivered and not yet acknowledged (a batch in
        flight), so a kill lands mid-batch; False if none was seen in time."""

        async def busy() -> bool:
            for durable in durables:
                stream = durable_stream(durable)
                if (await self.js.consumer_info(stream, durable)).num_ack_pending:
                    return True
            return False

        try:
            return await eventually(busy, timeout=within, interval=0.01, what="a batch in flight")
        except TimeoutError:
            return False


def durable_stream(durable: str) -> str:
    """The stream of the consumers the load goes through."""
    return streams.INSIGHTS if durable in ("notifier-insights", "initiatives-insights") else streams.FEEDBACK


@dataclass
class Outcome:
    name: str
    events: int
    tally: Tally
    recovery_seconds: float | None
    latency: dict[str, float | None]
    notes: list[str]
    checks: list[Check]
    figures: dict[str, float]
    seconds: float
    effects: Effects | None = None

    @property
    def ok(self) -> bool:
        return (
            self.tally.acknowledged > 0
            and self.tally.lost_events == 0
            and self.tally.duplicated_events == 0
            and all(c.ok for c in self.checks)
        )


Schedule = Callable[[Run], Coroutine[Any, Any, None]]


async def execute(
    name: str,
    root: Path,
    topology: Topology,
    events: int,
    schedule: Schedule,
    after: Schedule | None = None,
    settle_timeout: float = 240.0,
) -> Outcome:
    began = time.monotonic()
    run_id = f"{name[:12]}-{int(time.time()) % 100000}"
    with System(root, topology) as system:
        await eventually(_async(system.rules_applied), timeout=60, interval=0.2, what="routing rules applied")
        load = Load(system.cluster.urls, run_id, rate=RATE)
        js = await load.connect()
        try:
            run = await _loaded(system, js, load, events, schedule)
            await _settle(run, settle_timeout)
            if after is not None:
                await after(run)
            run.figures["redeliveries"] = sum((await redeliveries(js)).values())
            effects = await collect(js, system.mongo.uri, system.receiver.requests())
        finally:
            await load.close()
    return _outcome(name, run, list(load.sent.values()), effects, time.monotonic() - began)


async def _loaded(system: System, js: JetStreamContext, load: Load, events: int, schedule: Schedule) -> Run:
    """Seed the accounts, then send ``events`` at the load's rate while ``schedule`` plays its faults."""
    await load.seed_accounts(js, range(events))
    await eventually(
        lambda: _accounts_stored(system.mongo.uri, events),
        timeout=120,
        interval=0.2,
        what=f"{events} accounts in the feedback registry",
    )
    run = Run(system, js, load)
    run.figures["planned_seconds"] = events / RATE
    run.started = time.time()
    faults = asyncio.create_task(schedule(run))
    await load.run_for(js, range(events))
    await faults
    return run


async def _settle(run: Run, settle_timeout: float) -> None:
    """Wait until every acknowledged event is notified and nothing is left in flight; note what was not."""
    try:
        await eventually(
            lambda: _all_notified(run, run.system),
            timeout=settle_timeout,
            interval=0.5,
            what="a notification for every acknowledged event",
        )
    except TimeoutError:
        run.notes.append(f"not every acknowledged event was notified within {settle_timeout:.0f}s")
    try:
        await wait_idle(run.js, run.system.mongo.uri, within=settle_timeout)
    except TimeoutError:
        run.check(f"nothing left in flight {settle_timeout:.0f}s after the load", False)


def _outcome(name: str, run: Run, sent: list[Any], effects: Effects, seconds: float) -> Outcome:
    counted = tally(sent, effects)
    delays = latencies(sent, effects)
    return Outcome(
        name=name,
        events=counted.acknowledged,
        tally=counted,
        recovery_seconds=recovery(run.marks, sent, effects),
        latency={
            "p50": percentile(list(delays.values()), 0.5),
            "p95": percentile(list(delays.values()), 0.95),
            "max": max(delays.values(), default=None),
        },
        notes=run.notes,
        checks=run.checks,
        figures=run.figures,
        seconds=seconds,
        effects=effects,
    )


def recovery(marks: list[Mark], sent, effects: Effects) -> float | None:
    """Per fault: from the fault until the first event submitted after it was notified; the worst one."""
    worst = None
    for mark in (m for m in marks if m.fault):
        after = [
            effects.first_notified_at.get(f"churn:{s.account_id}")
            for s in sent
            if s.first_attempt_at >= mark.at
        ]
        times = [t for t in after if t is not None]
        if times:
            took = min(times) - mark.at
            worst = took if worst is None else max(worst, took)
    return worst


def _async(probe: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def call() -> bool:
        return await asyncio.to_thread(probe)

    return call


async def _accounts_stored(mongo_uri: str, count: int) -> bool:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        return await client.terrain_feedback.accounts.count_documents({}) >= count
    finally:
        await client.close()


async def _all_notified(run: Run, system: System) -> bool:
    notified = {w.dedup_key for w in system.receiver.requests()}
    return all(f"churn:{s.account_id}" in notified for s in run.load.acknowledged())
