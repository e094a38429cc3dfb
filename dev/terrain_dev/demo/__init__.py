"""The living demo: a quarter of a B2B SaaS company played at accelerated speed on the local stack.

``./terrain up`` runs it once the services are ready (``--no-demo`` skips it); the end-to-end test
runs the shortened version against the four service processes and checks every outcome. The demo is
an outside client of the services: nothing of it runs in production.
"""

import json
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import nats
from terrain_contracts import streams

from ..probes import consumer_settled
from ..testing import publish
from ..waiting import eventually
from . import org, quarter, seed
from .client import Services
from .field import SECRETS, Field
from .observer import Observer
from .receivers import Receivers

__all__ = ["Demo", "Ports", "Receivers", "environment", "run"]

INSIGHT_CONSUMERS = ((streams.FEEDBACK, "feedback-intake"), (streams.FEEDBACK, "insights-classifier"))


@dataclass(frozen=True)
class Ports:
    smtp: int
    http: int


def environment(ports: Ports) -> dict[str, str]:
    """What the services need for the demo: webhook secrets, the local mail server, fast detectors."""
    return {
        "FEEDBACK_WEBHOOKS__ZENDESK__SECRETS": json.dumps([SECRETS["zendesk"]]),
        "FEEDBACK_WEBHOOKS__INTERCOM__SECRETS": json.dumps([SECRETS["intercom"]]),
        "NOTIFIER_SMTP__HOST": "127.0.0.1",
        "NOTIFIER_SMTP__PORT": str(ports.smtp),
        "NOTIFIER_SSRF_ALLOW": json.dumps(["127.0.0.1/32"]),  # the local "Slack" is on loopback
        "INSIGHTS_PERIODIC__UNOWNED_INTERVAL_SECONDS": "3",
        # Unowned demand over the last day, by accounts asking: the history (older) shows no initiative
        # yet, and would otherwise make every theme "demand nobody covers" before the quarter is planned.
        "INSIGHTS_DETECTORS__DEMAND_DAYS": "1",
        "INSIGHTS_DETECTORS__UNOWNED_MIN_ARR_MINOR": "0",
        # Churn risk: large accounts only (300k EUR) or a renewal within 30 days.
        "INSIGHTS_DETECTORS__CHURN_MIN_ARR_MINOR": "30000000",
        "INSIGHTS_DETECTORS__CHURN_RENEWAL_DAYS": "30",
    }


@dataclass
class Demo:
    observer: Observer
    receivers: Receivers
    briefings: dict[str, quarter.Briefing]
    malformed: list[str]
    linked: int
    inbox: list[dict]  # Hugo's in-app inbox, read through the notifier's API with his own key
    inbox_key: str
    inbox_url: str


@dataclass(frozen=True)
class Bus:
    """The NATS URLs the demo uses, each with its user's credentials."""

    tools: str  # a Sales/CS tool: submissions and account updates
    ops: str  # an operator: reads the streams and consumers


async def run(
    urls: dict[str, str],
    bus: Bus,
    admin_key: str,
    receivers: Receivers,
    say: Callable[[str], None],
    short: bool = False,
) -> Demo:
    """Play the quarter. ``receivers`` (started by the caller) stand for Slack and the mailboxes."""
    rng = random.Random(20261121)
    today = date.today()
    services = Services(urls, admin_key)

    async def reasons(notification_id: str) -> list[str]:
        record = await services.as_member(
            "notifier", "GET", f"/v1/deliveries/{notification_id}", "product_ops", org.NADIA.member_id
        )
        return record.get("reasons", [])

    observer = Observer(say, explain=reasons)
    connection = await nats.connect(bus.tools)  # publishes what Sales/CS tools may publish, nothing else
    js = connection.jetstream()
    watching = await nats.connect(bus.ops)  # follows the consumers, as an operator would
    await observer.start(bus.ops)
    try:
        say("1. The company: squads, people, product areas and themes, channels, 30 customer accounts")
        await seed.organisation(services)
        taxonomy = await seed.taxonomy(services)
        await seed.channels(services, receivers)
        await seed.accounts(js, today)
        say(
            f"   {len(org.TEAMS)} teams, {sum(len(t.members) for t in org.TEAMS)} people, "
            f"{len(taxonomy['areas'])} product areas, {sum(len(a['themes']) for a in taxonomy['areas'])} themes, "
            f"{len(org.ACCOUNTS)} accounts worth €{sum(a.arr_eur for a in org.ACCOUNTS) / 1e6:.1f}M ARR"
        )

        history = seed.history(rng, count=60 if short else 180, days=21)
        say(f"2. Three weeks of history: {len(history)} feedback items imported from Sales and CS tools")
        await publish(js, *history)
        await settled(watching.jetstream(), timeout=180)
        say(f"   {observer.counts['FeedbackIngested']} ingested and classified")

        quarter_name = quarter.next_quarter(today)
        say(
            f"3. Planning {quarter_name}: briefings drafted, a dependency asked and answered, the directors' vote"
        )
        briefings = await quarter.plan(services, quarter_name, today)

        say("4. The week in the field: Sales and CS tools send what they hear")
        observer.verbose = True
        field = Field(services, js, observer, rng, pace=0.0 if short else 0.4)
        await field.normal_traffic(4 if short else 12)
        await field.copied_ticket()
        malformed = await field.malformed()
        for line in malformed:
            say(f"[malformed] {line}")
        say("   ... and then large accounts start hitting the same wall:")
        await field.spike(8)
        await field.unowned_demand(4)
        await field.churn_signal()
        await settled(watching.jetstream(), timeout=120)
        await eventually(
            lambda: _has_insights(observer, {"spike", "unowned_demand", "churn_risk"}),
            timeout=90,
            what="spike, unowned demand and churn risk raised",
        )
        await eventually(
            lambda: _spike_reached_pm(receivers), timeout=60, what="the spike reached its PM on Slack"
        )
        observer.verbose = False

        exports = briefings[org.HUGO.member_id]
        say(f"5. '{exports.title}' ships: the people who reported the need hear about it")
        linked = await quarter.ship(
            services,
            exports,
            "CSV, Excel and Google Sheets exports now run in the "
            "background with every custom field, whatever the size of the account.",
        )
        await eventually(
            lambda: _loops_closed(observer, linked), timeout=90, what="every loop closed with its reporter"
        )
        inbox_key = await services.key("notifier", "pm", org.HUGO.member_id)
        inbox = (await services.call("notifier", "GET", "/v1/inbox", inbox_key))["items"]
        demo = Demo(
            observer,
            receivers,
            briefings,
            malformed,
            linked,
            inbox,
            inbox_key,
            f"{urls['notifier']}/v1/inbox",
        )
        for line in summary(demo):
            say(line)
        return demo
    finally:
        await observer.stop()
        await connection.close()
        await watching.close()
        await services.close()


async def settled(js, timeout: float) -> None:
    async def all_settled() -> bool:
        return all([await consumer_settled(js, stream, durable) for stream, durable in INSIGHT_CONSUMERS])

    await eventually(all_settled, timeout=timeout, interval=0.2, what="feedback ingested and classified")


async def _has_insights(observer: Observer, kinds: set[str]) -> bool:
    return kinds <= {insight.kind.value for insight in observer.insights.values()}


async def _spike_reached_pm(receivers: Receivers) -> bool:
    return any(
        m.channel == "slack" and m.to == org.HUGO.member_id and "data-export" in m.body
        for m in receivers.messages
    )


async def _loops_closed(observer: Observer, linked: int) -> bool:
    return len(observer.loops) >= linked


def summary(demo: Demo) -> list[str]:
    observer = demo.observer
    kinds: dict[str, int] = {}
    for insight in observer.insights.values():
        kinds[insight.kind.value] = kinds.get(insight.kind.value, 0) + 1
    channels: dict[str, int] = {}
    for delivery in observer.delivered:
        channels[delivery.channel.value] = channels.get(delivery.channel.value, 0) + 1
    latency = sorted(seconds for _, seconds in observer.latencies)
    lines = [
        "Summary",
        f"  feedback ingested           {observer.counts['FeedbackIngested']} "
        f"({observer.counts['duplicates']} linked to an earlier near-duplicate)",
        f"  refused, with the reason    {len(observer.rejected)} feedback.rejected, "
        f"{len(observer.dead_letters)} dead letter(s), {len(demo.malformed) - 1} bad webhooks answered 4xx",
        f"  insights                    {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}",
        f"  notifications delivered     {', '.join(f'{n} by {c}' for c, n in sorted(channels.items()))}",
        f"  loops closed                {len(observer.loops)} of {demo.linked} linked feedback items: their reporters "
        f"({len({loop.reporter_email for loop in observer.loops})}) were told it shipped",
    ]
    lines.append(
        f"  Hugo's in-app inbox         {len(demo.inbox)} notifications; see them yourself: curl -H "
        f"'X-API-Key: {demo.inbox_key}' {demo.inbox_url}"
    )
    if latency:
        lines.append(
            f"  end-to-end latency          feedback submitted -> PM notified: median "
            f"{statistics.median(latency):.2f}s, max {latency[-1]:.2f}s over {len(latency)} notifications"
        )
    return lines
