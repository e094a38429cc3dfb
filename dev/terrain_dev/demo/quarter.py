"""The quarter: briefings drafted, a dependency asked and answered, the directors' vote, a commitment."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..waiting import eventually
from . import org
from .client import Services

# The tribe's directors by discipline: the "triforce" the vote and the notifications tell apart.
DISCIPLINES = {org.CLAIRE: "product", org.MARC: "engineering", org.SOFIA: "design"}
NAMES = {person.member_id: person.name for team in org.TEAMS for person in team.members}


def next_quarter(today: date) -> str:
    quarter = (today.month - 1) // 3 + 1
    return f"{today.year + 1}-Q1" if quarter == 4 else f"{today.year}-Q{quarter + 1}"


@dataclass
class Briefing:
    initiative_id: str
    version: int
    title: str
    pm: org.Person


BRIEFINGS = (
    (
        org.HUGO,
        org.REPORTING,
        "reporting",
        ["data-export"],
        "Fast, complete data exports",
        "Large accounts cannot get their data out: "
        "CSV exports time out past 10,000 rows and drop custom fields.",
        "Stream exports in the background, with every field, to CSV, Excel and Google Sheets.",
        "m",
    ),
    (
        org.LEA,
        org.BILLING,
        "billing",
        ["invoices", "payment-methods"],
        "Self-serve billing portal",
        "Finance teams email us for invoices, VAT changes and card updates.",
        "A portal where customers download invoices, fix VAT details and switch to SEPA themselves.",
        "l",
    ),
    (
        org.AMIR,
        org.PLATFORM,
        "integrations",
        ["salesforce-sync"],
        "Salesforce sync v2",
        "The Salesforce sync misses updates and duplicates contacts.",
        "Rebuild it on change data capture.",
        "l",
    ),
)


async def plan(
    services: Services,
    quarter: str,
    today: date,
    say: Callable[[str], None],
    start: Callable[["Briefing"], Awaitable[None]] | None = None,
) -> dict[str, Briefing]:
    """Everything from drafting to commitment, each ritual's notifications told; returns the briefings by
    their PM's member id. ``start`` starts the exports initiative (the demo's Jira), else its PM does."""
    ops = ("product_ops", org.NADIA.member_id)
    await triforce(services)
    await services.as_member("initiatives", "POST", "/v1/cycles", *ops, json={"quarter": quarter})
    await told(services, say, "cycle_phase_changed", "the quarter opens in drafting")
    briefings = {}
    for drafted in BRIEFINGS:
        briefing = await draft(services, quarter, *drafted)
        briefings[briefing.pm.member_id] = briefing
        await move(services, briefing, "proposed")
    exports = briefings[org.HUGO.member_id]
    dependency_id = await ask_platform(services, exports, today)
    await told(services, say, "dependency_requested", "Reporting asks Platform for job workers")
    await phase(services, quarter, "alignment")
    await services.as_member(
        "initiatives",
        "POST",
        f"/v1/dependencies/{dependency_id}/answer",
        "pm",
        org.AMIR.member_id,
        json={"answer": "accepted", "note": "Job workers land in week 3 of the quarter."},
    )
    await told(services, say, "dependency_answered", "Platform accepts")
    for briefing in briefings.values():
        await move(services, briefing, "aligned")
    await vote(services, quarter, [b.initiative_id for b in briefings.values()], say)
    await phase(services, quarter, "validation")
    for briefing in briefings.values():
        await move(services, briefing, "committed", as_ops=True)
    if start is None:
        await move(services, exports, "in_progress")
    else:
        await start(exports)
    return briefings


async def triforce(services: Services) -> None:
    """Product Ops records which director leads product, engineering and design."""
    path = f"/v1/teams/{org.TRIBE.team_id}"
    version = (await services.as_member("initiatives", "GET", path, "viewer"))["version"]
    for director, discipline in DISCIPLINES.items():
        team = await services.as_member(
            "initiatives",
            "PATCH",
            f"{path}/members/{director.member_id}",
            "product_ops",
            org.NADIA.member_id,
            json={"discipline": discipline},
            headers={"If-Match": f'"{version}"'},
        )
        version = team["version"]


async def told(services: Services, say: Callable[[str], None], ritual: str, what: str) -> None:
    """Wait until the notifier recorded the ritual's notifications, then say who was told and why."""

    async def recorded() -> list[dict]:
        page = await services.as_member(
            "notifier", "GET", f"/v1/deliveries?ritual={ritual}&limit=200", "product_ops", org.NADIA.member_id
        )
        return page["items"]

    deliveries = await eventually(recorded, timeout=30, interval=0.2, what=f"{ritual} notified")
    people: dict[str, tuple[list[str], list[str]]] = {}
    for delivery in sorted(deliveries, key=lambda d: d["created_at"]):
        channels, reasons = people.setdefault(delivery["recipient_id"], ([], delivery["reasons"]))
        channels.append(delivery["channel"])
    say(f"[planning] {ritual.replace('_', ' ')}: {what}; told {len(people)}:")
    for member_id, (channels, reasons) in people.items():
        how = "+".join(sorted(channels))
        say(f"      {NAMES.get(member_id, member_id)} ({how}) - why: {reasons[0][:150]}")


async def draft(
    services: Services,
    quarter: str,
    pm: org.Person,
    team: org.Team,
    area: str,
    themes: list[str],
    title: str,
    problem: str,
    intention: str,
    size: str,
) -> Briefing:
    """A PM drafts a briefing for the quarter."""
    created = await services.as_member(
        "initiatives",
        "POST",
        "/v1/initiatives",
        "pm",
        pm.member_id,
        json={
            "title": title,
            "problem": problem,
            "source": "customer_feedback",
            "size": size,
            "intention": intention,
            "owner_team_id": team.team_id,
            "quarter": quarter,
            "product_area": area,
            "themes": themes,
            "success_metric": {
                "kind": "kpi",
                "name": f"{title}: tickets about it",
                "target": "-50% by end of quarter",
            },
        },
    )
    return Briefing(created["initiative"]["initiative_id"], created["initiative"]["version"], title, pm)


async def ask_platform(services: Services, exports: Briefing, today: date) -> str:
    """The exports briefing depends on Platform's job workers; returns the dependency's id."""
    dependency = await services.as_member(
        "initiatives",
        "POST",
        f"/v1/initiatives/{exports.initiative_id}/dependencies",
        "pm",
        org.HUGO.member_id,
        json={
            "on_team_id": org.PLATFORM.team_id,
            "answer_by": (today + timedelta(days=7)).isoformat(),
            "description": "Background job workers able to run a 2-million-row export.",
        },
    )
    exports.version = (await read(services, exports))["initiative"]["version"]
    return dependency["dependency_id"]


async def read(services: Services, briefing: Briefing) -> dict:
    return await services.as_member(
        "initiatives", "GET", f"/v1/initiatives/{briefing.initiative_id}", "viewer"
    )


async def move(services: Services, briefing: Briefing, to: str, as_ops: bool = False) -> None:
    who = ("product_ops", org.NADIA.member_id) if as_ops else ("pm", briefing.pm.member_id)
    moved = await services.as_member(
        "initiatives",
        "POST",
        f"/v1/initiatives/{briefing.initiative_id}/status",
        *who,
        json={"to": to},
        headers={"If-Match": f'"{briefing.version}"'},
    )
    briefing.version = moved["initiative"]["version"]


async def phase(services: Services, quarter: str, to: str) -> None:
    await services.as_member(
        "initiatives",
        "POST",
        f"/v1/cycles/{quarter}/phase",
        "product_ops",
        org.NADIA.member_id,
        json={"to": to},
    )


# Product Ops' own project, put to the vote beside the three initiatives, then given its owner.
PROJECT = "Briefing adoption: one template, reminders before the deadline"
SCORES = {org.CLAIRE: (3, 2, 1, 2), org.MARC: (3, 1, 2, 1), org.SOFIA: (2, 3, 1, 3)}


async def vote(services: Services, quarter: str, candidates: list[str], say: Callable[[str], None]) -> dict:
    """The directors' 1-3 vote on the quarter's candidates (the "mercato"), announced to them."""
    ballot = await services.as_member(
        "initiatives",
        "POST",
        "/v1/ballots",
        "product_ops",
        org.NADIA.member_id,
        json={
            "quarter": quarter,
            "candidate_ids": candidates,
            "projects": [{"title": PROJECT, "owner_team_id": org.OPS.team_id}],
            "closes_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    candidates = ballot["candidates"]  # the initiatives, then the project's new id
    await told(services, say, "ballot_opened", "the directors are asked to vote")
    for director, scores in SCORES.items():
        for candidate, score in zip(candidates, scores, strict=True):
            await services.as_member(
                "initiatives",
                "PUT",
                f"/v1/ballots/{ballot['ballot_id']}/votes/{candidate}",
                "director",
                director.member_id,
                json={"score": score},
            )
    closed = await services.as_member(
        "initiatives", "POST", f"/v1/ballots/{ballot['ballot_id']}/close", "product_ops", org.NADIA.member_id
    )
    await told(services, say, "ballot_closed", "the results go to the voters and the candidates' PMs")
    await services.as_member(
        "initiatives",
        "PUT",
        f"/v1/ballots/{ballot['ballot_id']}/assignments/{candidates[-1]}",
        "product_ops",
        org.NADIA.member_id,
        json={"owner_member_id": org.TOM.member_id, "owner_team_id": org.OPS.team_id},
    )
    await told(services, say, "candidate_assigned", "Product Ops' project goes to Tom")
    return closed


async def ship(services: Services, briefing: Briefing, release_note: str) -> int:
    """Accept the feedback insights suggest as evidence, then ship; returns how many items were linked."""
    suggestions = await services.as_member(
        "initiatives", "GET", f"/v1/initiatives/{briefing.initiative_id}/suggestions", "viewer"
    )
    for suggestion in suggestions:
        await services.as_member(
            "initiatives",
            "POST",
            f"/v1/initiatives/{briefing.initiative_id}/suggestions/{suggestion['feedback_id']}/accept",
            "pm",
            briefing.pm.member_id,
        )
    briefing.version = (await read(services, briefing))["initiative"]["version"]
    await services.as_member(
        "initiatives",
        "POST",
        f"/v1/initiatives/{briefing.initiative_id}/ship",
        "pm",
        briefing.pm.member_id,
        json={"release_note": release_note},
        headers={"If-Match": f'"{briefing.version}"'},
    )
    return len(suggestions)
