"""Seeding the demo company: people, product areas and themes, channels, accounts, weeks of history."""

import json
import random
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext
from terrain_contracts.events.account import AccountUpdated, AccountUpdatedData
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)

from ..testing import publish
from . import org
from .client import Services
from .receivers import Receivers

REPO = Path(__file__).resolve().parents[3]
# The insights evaluation taxonomy and its hand-written EN/FR items: the feedback the demo's customers send.
TAXONOMY = REPO / "services/insights/evaluation/taxonomy.yaml"
CORPUS = REPO / "services/insights/evaluation/labelled.jsonl"
SOURCES_BY_KIND = {FeedbackKind.customer: ("zendesk", "intercom"), FeedbackKind.field: ("salesforce", "gong")}


def corpus() -> dict[str | None, list[dict]]:
    by_theme: dict[str | None, list[dict]] = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            by_theme.setdefault(item["theme"], []).append(item)
    return by_theme


async def organisation(services: Services) -> None:
    for team in org.TEAMS:
        await services.as_member(
            "initiatives",
            "POST",
            "/v1/teams",
            "product_ops",
            org.NADIA.member_id,
            json={
                "team_id": team.team_id,
                "name": team.name,
                "kind": team.kind,
                "parent_team_id": team.parent,
            },
        )
        for person in team.members:
            away = (
                {
                    "away_until": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                    "backup_member_id": org.HUGO.member_id,
                }
                if person is org.JULIA
                else {}
            )
            await services.as_member(
                "initiatives",
                "POST",
                f"/v1/teams/{team.team_id}/members",
                "product_ops",
                org.NADIA.member_id,
                json={
                    "member_id": person.member_id,
                    "name": person.name,
                    "email": person.email,
                    "role": person.role,
                    **away,
                },
            )
        for slug, name in team.areas:
            await services.as_member(
                "initiatives",
                "PUT",
                f"/v1/teams/{team.team_id}/areas/{slug}",
                "product_ops",
                org.NADIA.member_id,
                json={"name": name},
            )


async def taxonomy(services: Services) -> dict:
    return await services.as_member(
        "insights",
        "POST",
        "/v1/taxonomy/import",
        "product_ops",
        org.NADIA.member_id,
        content=TAXONOMY.read_bytes(),
        headers={"Content-Type": "application/yaml"},
    )


async def channels(services: Services, receivers: Receivers) -> None:
    """Who hears what, how: PMs on Slack or email besides the inbox; Product Ops by email."""
    empty = {"product_ops_members": [], "defaults": {"channels": ["inbox"]}, "routes": []}
    await replace(services, "/v1/rules", empty, params={"allow_empty": "true"})  # no routes: owners only
    choices = {
        org.HUGO: ["slack", "inbox"],
        org.AMIR: ["slack", "inbox"],
        org.LEA: ["email", "inbox"],
        org.NADIA: ["email", "inbox"],
        org.TOM: ["inbox"],
    }
    for person, wanted in choices.items():
        body: dict[str, object] = {"channels": wanted}
        if "slack" in wanted:
            body["slack_url"] = receivers.slack_url(person.member_id)
        await replace(services, f"/v1/members/{person.member_id}/preferences", body)


async def replace(services: Services, path: str, body: dict[str, Any], **kwargs: Any) -> Any:
    """Product Ops replaces a notifier document based on the version it reads first (If-Match)."""
    ops = ("product_ops", org.NADIA.member_id)
    current = await services.as_member("notifier", "GET", path, *ops)
    headers = {"If-Match": f'"{current["version"]}"'}
    return await services.as_member("notifier", "PUT", path, *ops, json=body, headers=headers, **kwargs)


async def accounts(js: JetStreamContext, today: date) -> None:
    """The CRM announces its accounts (account.updated), as Salesforce would through its connector."""
    await publish(
        js,
        *(
            AccountUpdated.create(AccountUpdatedData(account=a.contract(today)), source="salesforce")
            for a in org.ACCOUNTS
        ),
    )


def submission(
    item: dict,
    account: org.Account,
    kind: FeedbackKind,
    occurred_at: datetime,
    external_id: str,
    source: str | None = None,
    text: str | None = None,
) -> FeedbackSubmitted:
    if kind is FeedbackKind.field:
        reporter = Reporter(
            name=account.owner.name, email=account.owner.email, role=ReporterRole(account.owner.role)
        )
    else:
        reporter = Reporter(
            name=f"Contact at {account.name}", email=f"contact@{account.domain}", role=ReporterRole.customer
        )
    source = source or SOURCES_BY_KIND[kind][zlib.crc32(external_id.encode()) % 2]
    return FeedbackSubmitted.create(
        FeedbackSubmittedData(
            source=source,
            external_id=external_id,
            kind=kind,
            reporter=reporter,
            customer=CustomerRef(account_id=account.account_id, name=account.name),
            text=text or item["text"],
            language=item.get("language"),
            occurred_at=occurred_at,
        ),
        source=source,
    )


def history(rng: random.Random, count: int, days: int) -> list[FeedbackSubmitted]:
    """Past weeks of feedback: every theme at a calm pace, none from the accounts the story needs quiet."""
    items = corpus()
    themes = [theme for theme in items if theme not in ("data-export", "sso")]
    quiet = {"acc-atelier-cobalt", "acc-lumen-analytics", "acc-nordwind-logistik"}
    accounts = [a for a in org.ACCOUNTS if a.account_id not in quiet]
    now = datetime.now(UTC)
    events = []
    for n in range(count):
        # data-export and sso come back now and then: a baseline, not silence
        theme = rng.choice(themes) if n % 12 else rng.choice(["data-export", "sso"])
        item = rng.choice(items[theme])
        kind = rng.choice([FeedbackKind.customer, FeedbackKind.field])
        # ends a day and a half ago: the week in the field is what happens now
        occurred = now - timedelta(days=days) + timedelta(seconds=rng.uniform(0, (days - 1.5) * 86400))
        events.append(submission(item, rng.choice(accounts), kind, occurred, f"hist-{n:04d}"))
    return events
