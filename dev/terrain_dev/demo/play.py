"""The demo's scenario: the quarter, step by step, narrated through ``say``."""

import json
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import nats
from nats.js import JetStreamContext
from terrain_contracts import streams

from ..probes import consumer_settled
from ..testing import publish
from ..waiting import eventually
from . import kpis, org, quarter, seed
from .client import Services
from .field import SECRETS, SLACK_SECRET, Field, slack_users
from .jira import started_in_jira
from .observer import Observer
from .receivers import Receivers, jira_environment

INSIGHT_CONSUMERS = ((streams.FEEDBACK, "feedback-intake"), (streams.FEEDBACK, "insights-classifier"))


@dataclass(frozen=True)
class Ports:
    smtp: int
    http: int
    jira: int | None = None  # the fake Jira: issues created on commit, moved by Jira's webhooks


def environment(ports: Ports) -> dict[str, str]:
    """What the services need for the demo: webhook secrets, the local mail server, fast detectors."""
    return {
        "FEEDBACK_WEBHOOKS__ZENDESK__SECRETS": json.dumps([SECRETS["zendesk"]]),
        "FEEDBACK_WEBHOOKS__INTERCOM__SECRETS": json.dumps([SECRETS["intercom"]]),
        # The company's Slack app: signed requests, answers back to the local "Slack" only.
        "FEEDBACK_SLACK__SIGNING_SECRETS": json.dumps([SLACK_SECRET]),
        "FEEDBACK_SLACK__USERS": json.dumps(slack_users()),
        "FEEDBACK_SLACK__RESPONSE_URL_PREFIXES": json.dumps([f"http://127.0.0.1:{ports.http}/slack/"]),
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
        **(jira_environment(ports.jira) if ports.jira is not None else {}),
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


@dataclass
class Stage:
    """What every step of the scenario plays with."""

    services: Services
    js: JetStreamContext  # as a Sales/CS tool: publishes what those tools may publish, nothing else
    watching: JetStreamContext  # as an operator: follows the consumers
    observer: Observer
    receivers: Receivers
    say: Callable[[str], None]
    rng: random.Random
    today: date
    short: bool


async def run(
    urls: dict[str, str],
    bus: Bus,
    admin_key: str,
    receivers: Receivers,
    say: Callable[[str], None],
    short: bool = False,
) -> Demo:
    """Play the quarter. ``receivers`` (started by the caller) stand for Slack and the mailboxes."""
    services = Services(urls, admin_key)

    async def reasons(notification_id: str) -> list[str]:
        record = await services.as_member(
            "notifier", "GET", f"/v1/deliveries/{notification_id}", "product_ops", org.NADIA.member_id
        )
        return record.get("reasons", [])

    observer = Observer(say, explain=reasons)
    connection = await nats.connect(bus.tools)
    watching = await nats.connect(bus.ops)
    await observer.start(bus.ops)
    stage = Stage(
        services,
        connection.jetstream(),
        watching.jetstream(),
        observer,
        receivers,
        say,
        random.Random(20261121),
        date.today(),
        short,
    )
    try:
        return await _play(stage, f"{urls['notifier']}/v1/inbox")
    finally:
        await observer.stop()
        await connection.close()
        await watching.close()
        await services.close()


async def _play(stage: Stage, inbox_url: str) -> Demo:
    await _company(stage)
    await _history(stage)
    briefings = await _plan(stage)
    malformed = await _field_week(stage, briefings[org.HUGO.member_id].initiative_id)
    linked = await _ship(stage, briefings[org.HUGO.member_id])
    for line in await kpis.lines(
        stage.services, stage.watching, quarter.next_quarter(stage.today), stage.today
    ):
        stage.say(line)
    inbox_key = await stage.services.key("notifier", "pm", org.HUGO.member_id)
    inbox = (await stage.services.call("notifier", "GET", "/v1/inbox", inbox_key))["items"]
    demo = Demo(stage.observer, stage.receivers, briefings, malformed, linked, inbox, inbox_key, inbox_url)
    for line in summary(demo):
        stage.say(line)
    return demo


async def _company(stage: Stage) -> None:
    stage.say("1. The company: squads, people, product areas and themes, channels, 30 customer accounts")
    await seed.organisation(stage.services)
    taxonomy = await seed.taxonomy(stage.services)
    await seed.channels(stage.services, stage.receivers)
    await seed.accounts(stage.js, stage.today)
    themes = sum(len(area["themes"]) for area in taxonomy["areas"])
    stage.say(
        f"   {len(org.TEAMS)} teams, {sum(len(t.members) for t in org.TEAMS)} people, "
        f"{len(taxonomy['areas'])} product areas, {themes} themes, "
        f"{len(org.ACCOUNTS)} accounts worth €{sum(a.arr_eur for a in org.ACCOUNTS) / 1e6:.1f}M ARR"
    )


async def _history(stage: Stage) -> None:
    history = seed.history(stage.rng, count=60 if stage.short else 180, days=21)
    stage.say(f"2. Three weeks of history: {len(history)} feedback items imported from Sales and CS tools")
    await publish(stage.js, *history)
    await settled(stage.watching, within=180)
    stage.say(f"   {stage.observer.counts['FeedbackIngested']} ingested and classified")


async def _plan(stage: Stage) -> dict[str, quarter.Briefing]:
    quarter_name = quarter.next_quarter(stage.today)
    stage.say(
        f"3. Planning {quarter_name}: briefings drafted, a dependency asked and answered, the directors' vote"
    )
    # With the demo's Jira, the exports initiative is started there (its issue was created on commit).
    start = None
    if stage.receivers.jira is not None:
        start = partial(started_in_jira, stage.services, say=stage.say)
    return await quarter.plan(stage.services, quarter_name, stage.today, stage.say, start)


async def _field_week(stage: Stage, exports_initiative_id: str) -> list[str]:
    """Normal traffic, a copied ticket, malformed webhooks, then the signals the detectors must raise."""
    stage.say("4. The week in the field: Sales and CS tools send what they hear")
    observer = stage.observer
    observer.verbose = True
    field = Field(
        stage.services,
        stage.js,
        observer,
        stage.rng,
        pace=0.0 if stage.short else 0.4,
        slack_thread=stage.receivers.slack_url("deals-thread"),
        exports_initiative_id=exports_initiative_id,
    )
    await field.normal_traffic(4 if stage.short else 12)
    await field.copied_ticket()
    malformed = await field.malformed()
    for line in malformed:
        stage.say(f"[malformed] {line}")
    stage.say("   ... and then large accounts start hitting the same wall:")
    await field.spike(8)
    await field.unowned_demand(4)
    await field.churn_signal()
    await settled(stage.watching, within=120)
    await eventually(
        lambda: _has_insights(observer, {"spike", "unowned_demand", "churn_risk"}),
        timeout=90,
        what="spike, unowned demand and churn risk raised",
    )
    await eventually(
        lambda: _spike_reached_pm(stage.receivers), timeout=60, what="the spike reached its PM on Slack"
    )
    observer.verbose = False
    return malformed


async def _ship(stage: Stage, exports: quarter.Briefing) -> int:
    """Ship the exports initiative and wait until every reporter of linked feedback has heard.

    Returns how many feedback items were linked."""
    stage.say(f"5. '{exports.title}' ships: the people who reported the need hear about it")
    linked = await quarter.ship(
        stage.services,
        exports,
        "CSV, Excel and Google Sheets exports now run in the "
        "background with every custom field, whatever the size of the account.",
    )
    await eventually(
        lambda: _loops_closed(stage.observer, linked),
        timeout=90,
        what="every loop closed with its reporter",
    )
    return linked


async def settled(js: JetStreamContext, within: float) -> None:
    """Wait (up to ``within`` seconds) until the feedback consumers have handled everything published."""

    async def all_settled() -> bool:
        return all([await consumer_settled(js, stream, durable) for stream, durable in INSIGHT_CONSUMERS])

    await eventually(all_settled, timeout=within, interval=0.2, what="feedback ingested and classified")


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
        f"  loops closed                {len(observer.loops)} of {demo.linked} linked feedback items: "
        f"their reporters ({len({loop.reporter_email for loop in observer.loops})}) were told it shipped",
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
