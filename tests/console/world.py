"""What the browser journeys need on the real local stack: the demo's company, a quarter with two
proposed briefings, an open ballot, a dependency request in Léa's inbox, feedback carrying <script>."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import nats
from terrain_contracts.events.feedback import FeedbackKind
from terrain_dev.demo import org, quarter, seed
from terrain_dev.demo.client import Services
from terrain_dev.stack import Stack
from terrain_dev.waiting import eventually

SCRIPT_TEXT = "<script>window.__pwned = 1</script> CSV exports of the revenue report time out"


@dataclass(frozen=True)
class World:
    console: str
    password: str
    quarter: str
    briefing_id: str  # Léa's, proposed
    ballot_id: str
    feedback_id: str


async def _briefings(services: Services, when: str) -> list[quarter.Briefing]:
    drafted = [
        await quarter.draft(
            services,
            when,
            org.LEA,
            org.BILLING,
            "billing",
            [],
            "Invoice credit notes",
            "Finance teams re-key credit notes by hand.",
            "Generate credit notes from refunds.",
            "m",
        ),
        await quarter.draft(
            services,
            when,
            org.AMIR,
            org.PLATFORM,
            "integrations",
            [],
            "Salesforce sync v2",
            "The sync misses updates.",
            "Rebuild it on change data capture.",
            "l",
        ),
    ]
    for briefing in drafted:
        await quarter.move(services, briefing, "proposed")
    return drafted


async def _dependency_for_lea(services: Services, asking: quarter.Briefing) -> None:
    await services.as_member(
        "initiatives",
        "POST",
        f"/v1/initiatives/{asking.initiative_id}/dependencies",
        "pm",
        org.AMIR.member_id,
        json={
            "on_team_id": org.BILLING.team_id,
            "answer_by": (date.today() + timedelta(days=7)).isoformat(),
            "description": "Billing events for every synced invoice.",
        },
    )

    async def in_inbox() -> list[dict]:
        page = await services.as_member("notifier", "GET", "/v1/inbox", "pm", org.LEA.member_id)
        return page["items"]

    await eventually(in_inbox, timeout=30, interval=0.2, what="the dependency request in Léa's inbox")


async def _script_feedback(stack: Stack, services: Services) -> str:
    account = org.ACCOUNTS[0]
    event = seed.submission(
        {"text": SCRIPT_TEXT}, account, FeedbackKind.customer, datetime.now(UTC), "console-xss-1"
    )
    connection = await nats.connect(stack.nats_url_as("tools"))
    try:
        await connection.jetstream().publish(
            event.subject, event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
    finally:
        await connection.close()

    async def stored() -> list[dict]:
        page = await services.as_member(
            "feedback", "GET", "/v1/feedback", "viewer", params={"q": "revenue report"}
        )
        return page["items"]

    found = await eventually(stored, timeout=30, interval=0.2, what="the <script> feedback stored")
    feedback_id = found[0]["feedback_id"]
    path = f"/v1/items/{feedback_id}"
    classified = await services.raw("insights", "GET", path, await services.key("insights", "viewer"))
    if classified.status_code == 404:

        async def known() -> bool:
            answer = await services.raw("insights", "GET", path, await services.key("insights", "viewer"))
            return answer.status_code == 200

        await eventually(known, timeout=30, interval=0.2, what="the <script> feedback classified")
    return feedback_id


async def build(stack: Stack) -> World:
    urls = {name: process.base_url for name, process in stack.services.items()}
    services = Services(urls, stack.admin_key)
    try:
        await seed.organisation(services)
        when = quarter.next_quarter(date.today())
        await services.as_member(
            "initiatives", "POST", "/v1/cycles", "product_ops", org.NADIA.member_id, json={"quarter": when}
        )
        lea, amir = await _briefings(services, when)
        ballot = await services.as_member(
            "initiatives",
            "POST",
            "/v1/ballots",
            "product_ops",
            org.NADIA.member_id,
            json={
                "quarter": when,
                "candidate_ids": [lea.initiative_id, amir.initiative_id],
                "quorum": 2,
                "closes_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            },
        )
        await _dependency_for_lea(services, amir)
        feedback_id = await _script_feedback(stack, services)
    finally:
        await services.close()
    assert stack.console is not None
    return World(
        stack.console.base_url, stack.demo_password, when, lea.initiative_id, ballot["ballot_id"], feedback_id
    )


def built(stack: Stack) -> World:
    return asyncio.run(build(stack))
