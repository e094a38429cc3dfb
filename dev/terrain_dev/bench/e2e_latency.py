"""Benchmark: end-to-end latency, feedback submitted -> its PM notified on Slack,
at fixed rates on the local stack.

    .venv/bin/python -m terrain_dev.bench.e2e_latency --rates 100 500 1000 --seconds 10 --drain 60

For each rate, a fresh local stack (``stack.Stack``: nats-server, SecantusDB and the four services as
processes, as ``./terrain up`` runs them) seeded like the demo (``demo.seed``: teams and members through
the initiatives API, the insights taxonomy, Hugo, the Reporting PM, on the demo's Slack receiver), then:

- one customer account per item of the run (ARR 100k EUR, renewal in 300 days): written straight into
  the feedback service's account registry, the document its ``feedback-accounts`` consumer writes (the
  consumer takes one account per transaction: seeding ten thousand through it would take minutes);
- one warm-up item, followed to Hugo's Slack before timing starts;
- ``rate`` submissions per second for ``--seconds``, published on ``feedback.submitted``, each when due.
  Each is a negative item about CSV exports (theme data-export, area reporting, owned by the Reporting
  squad) from its own account: each tips one churn-risk insight (``churn:<account>``, severity warning,
  ARR >= 50k) that the notifier routes to Hugo (PM of the owning team, and backup of the other PM, who is
  away) on Slack and in his inbox. The Slack message names the account: that is how a delivery is
  attributed to its submission.
- then waits up to ``--drain`` seconds for every Slack message.

Notifier throttling is lifted for the benchmark (``NOTIFIER_POLICY__THROTTLE_MAX``): by default a member
gets 20 immediate notifications an hour per channel, the rest fold into the hourly digest, which would hide
all but 20 deliveries. Nobody has digests or quiet hours. The periodic detectors run as configured by
default (the spike and unowned-demand insights they raise on the data-export burst also reach Hugo; they
are counted apart, not attributed to an item).

Intermediate points come from a core NATS subscription (the time each event reaches the bus):
``feedback.ingested`` (by external id), ``feedback.classified`` (by feedback id), ``insight.detected``
(by account id), ``notification.delivered`` (by insight id), then the Slack receiver's own clock.

Printed per rate: achieved submit rate; per stage how many items reached it and p50/p95/p99 of the time
since submission (an item that never reached the stage counts as infinitely late: a percentile it decides
is printed as ``>drain``); the backlog at the end (consumers' pending messages, notifier deliveries not yet
sent); the load average. Then the raw JetStream reference measured on the first stack's nats-server.

Diagnostics: ``--db-profile 0.25`` records a quarter of the database's operations during the load
(``dbprofile``: mongod's profiler, which SecantusDB implements) and prints the query shapes that took the
most database time; ``--profile notifier insights ...`` runs those services under pyinstrument.
"""

import argparse
import asyncio
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import nats
from nats.js import JetStreamContext
from terrain_contracts import streams, subjects
from terrain_contracts.headers import MSG_ID

from ..demo import org, seed
from ..demo.client import Services
from ..demo.receivers import Receivers
from ..probes import consumer_settled
from ..servers import free_port
from ..stack import Printer, Stack, StackConfig
from ..waiting import eventually
from . import dbprofile
from .common import RawJetStream, raw_jetstream
from .e2e_load import accounts, backlog, hold, seed_registry, submissions
from .e2e_timeline import Run, report

DATABASES = tuple(f"terrain_{name}" for name in ("feedback", "initiatives", "insights", "notifier"))
PROJECTIONS = ((streams.TEAMS, "insights-teams"), (streams.TEAMS, "notifier-teams"))
ENVIRONMENT = {
    "NOTIFIER_SSRF_ALLOW": json.dumps(["127.0.0.1/32"]),  # the local "Slack" is on loopback
    "NOTIFIER_POLICY__THROTTLE_MAX": "1000000",  # see the docstring: no delivery folds into a digest
    "{SERVICE}_TELEMETRY__LOG_LEVEL": "WARNING",
}


async def one_rate(
    rate: int,
    seconds: float,
    drain: float,
    root: Path,
    want_raw: bool,
    profile: list[str],
    db_profile: float = 0.0,
) -> tuple[Run, RawJetStream | None]:
    smtp_port, slack_port = free_port(), free_port()
    config = StackConfig.on_free_ports(
        root / f"rate-{rate}",
        extra_env={**ENVIRONMENT, "NOTIFIER_SMTP__HOST": "127.0.0.1", "NOTIFIER_SMTP__PORT": str(smtp_port)},
    )
    with (root / f"rate-{rate}.log").open("a") as logs:
        stack = Stack(config, FilePrinter(logs))
        run = Run(rate, int(rate * seconds))
        receivers = Receivers(smtp_port, slack_port, on_message=run.on_slack)
        if profile:
            _profiled(stack, profile, root / f"rate-{rate}")
        stack.start()
        try:
            await receivers.start()
            raw = await _measure(stack, receivers, run, Load(seconds, drain, want_raw, db_profile))
        finally:
            stack.stop()
    return run, raw


class FilePrinter(Printer):
    """The stack's process lines, into the run's log file instead of the terminal."""

    def __init__(self, output: TextIO) -> None:
        super().__init__(colour=False)
        self._output = output

    def line(self, name: str, text: str) -> None:
        print(f"{name:<11}| {text}", file=self._output, flush=True)


@dataclass(frozen=True)
class Load:
    seconds: float
    drain: float
    want_raw: bool
    db_profile: float


async def _measure(stack: Stack, receivers: Receivers, run: Run, load: Load) -> RawJetStream | None:
    """Seed, warm up, hold the rate, drain; the raw JetStream reference if asked for."""
    mongo_uri = stack.mongo_uri_as("ops")  # seeds the registry and reads backlogs in every database
    connection = await nats.connect(stack.nats_url_as("ops"), pending_size=256 * 1024 * 1024)
    js = connection.jetstream(publish_async_max_pending=4000)
    urls = {name: process.base_url for name, process in stack.services.items()}
    services = Services(urls, stack.admin_key)
    try:
        raw = await raw_jetstream(stack.nats_url_as("ops")) if load.want_raw else None
        bench_accounts = accounts(run.items + 1)
        await _seed(services, receivers, js, mongo_uri, bench_accounts)
        await _warm_up(js, receivers, run, bench_accounts)
        if load.db_profile:
            await dbprofile.start(mongo_uri, DATABASES, load.db_profile)
        for subject in (
            subjects.FEEDBACK_INGESTED,
            subjects.FEEDBACK_CLASSIFIED,
            subjects.INSIGHT_DETECTED,
            subjects.NOTIFICATION_DELIVERED,
        ):
            await connection.subscribe(subject, cb=_sync(run.on_event))
        run.load = (os.getloadavg()[0], 0.0)
        await hold(js, run, submissions(bench_accounts, 0, run.items), load.seconds)
        await _drained(run, load.drain)
        run.backlog = await backlog(js, mongo_uri)
        run.load = (run.load[0], os.getloadavg()[0])
        if load.db_profile:
            run.db_time = await dbprofile.summary(mongo_uri, DATABASES, load.db_profile)
        return raw
    finally:
        await services.close()
        await connection.close()
        await receivers.stop()


async def _seed(
    services: Services, receivers: Receivers, js: JetStreamContext, mongo_uri: str, bench: list[org.Account]
) -> None:
    """The demo's organisation, taxonomy and channels; the accounts straight into the registry."""
    await seed.organisation(services)
    await seed.taxonomy(services)
    await seed.channels(services, receivers)
    await seed_registry(mongo_uri, bench, date.today())
    await eventually(lambda: _all_settled(js, PROJECTIONS), timeout=60, what="team projections")


async def _warm_up(js: JetStreamContext, receivers: Receivers, run: Run, bench: list[org.Account]) -> None:
    """The last account's item, followed to Slack (routing, projections and channels work)."""
    warm = Run(run.rate, run.items + 1)
    receivers.on_message = warm.on_slack
    [(msg_id, body)] = submissions(bench, run.items, 1)
    await js.publish(subjects.FEEDBACK_SUBMITTED, body, headers={MSG_ID: msg_id})
    await eventually(lambda: _has(warm.reached["slack"], run.items), timeout=90, what="warm-up item on Slack")
    receivers.on_message = run.on_slack


async def _drained(run: Run, drain: float) -> None:
    """Wait up to ``drain`` seconds for every item on Slack and delivered; what is missing is reported."""

    async def all_reached() -> bool:
        return min(len(run.reached["slack"]), len(run.reached["delivered"])) >= run.items

    try:
        await eventually(all_reached, timeout=drain, interval=0.25, what="every item delivered")
    except TimeoutError:
        pass  # the report counts the items that never arrived


def _profiled(stack: Stack, names: list[str], folder: Path) -> None:
    """Run these services under pyinstrument (``terrain_dev.bench.profiled``),
    each report written to ``folder``."""
    from .. import stack as stack_module  # the stack starts the modules it lists: list the wrapper instead

    stack_module.SERVICES = tuple(
        (n, "terrain_dev.bench.profiled" if n in names else m, o) for n, m, o in stack_module.SERVICES
    )
    stack.config.extra_env |= {
        "TERRAIN_PROFILE_MODULE": "terrain_{service}",  # filled in per service
        "TERRAIN_PROFILE_OUTPUT": str(folder / "profile-{service}.txt"),
    }


def _sync(callback):
    async def handler(msg) -> None:
        callback(msg)

    return handler


async def _has(reached: dict[int, float], index: int) -> bool:
    return index in reached


async def _all_settled(js, consumers) -> bool:
    return all([await consumer_settled(js, stream, durable) for stream, durable in consumers])


def _keep_profiles(root: Path) -> list[Path]:
    """Copy the profiles out of the temporary folder before it goes."""
    kept = []
    for found in sorted(root.glob("rate-*/profile-*.txt")):
        target = Path(tempfile.gettempdir()) / f"terrain-{found.parent.name}-{found.name}"
        target.write_text(found.read_text())
        kept.append(target)
    return kept


async def main(rates: list[int], seconds: float, drain: float, profile: list[str], db_profile: float) -> None:
    runs, raw = [], None
    with tempfile.TemporaryDirectory(prefix="terrain-e2e-") as folder:
        root = Path(folder)
        for n, rate in enumerate(rates):
            print(f"rate {rate}/s: starting a fresh stack (logs in {root})", flush=True)
            run, measured = await one_rate(
                rate, seconds, drain, root, want_raw=n == 0, profile=profile, db_profile=db_profile
            )
            raw = raw or measured
            runs.append(run)
            print(f"rate {rate}/s: {len(run.reached['slack'])} of {run.items} on Slack", flush=True)
        for target in await asyncio.to_thread(_keep_profiles, root):
            print(f"profile: {target}")
    report(runs, raw, seconds, drain)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each rate is held")
    parser.add_argument("--drain", type=float, default=60.0, help="how long to wait for the last deliveries")
    parser.add_argument(
        "--profile",
        nargs="*",
        default=[],
        choices=["feedback", "insights", "notifier", "initiatives"],
        help="run these services under pyinstrument (.venv/bin/pip install pyinstrument); the "
        "reports are copied to the temporary folder (/tmp/terrain-rate-<rate>-profile-<name>.txt)",
    )
    parser.add_argument(
        "--db-profile",
        type=float,
        default=0.0,
        metavar="SAMPLE_RATE",
        help="record this share of the database's operations (its system.profile) from the start "
        "of the load, and print the query shapes that took the most time",
    )
    args = parser.parse_args()
    asyncio.run(main(args.rates, args.seconds, args.drain, args.profile, args.db_profile))
