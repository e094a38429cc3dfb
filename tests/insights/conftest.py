import json
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from terrain_contracts import Money, streams
from terrain_contracts.events.feedback import (
    AccountSnapshot,
    FeedbackIngested,
    FeedbackIngestedData,
    FeedbackKind,
    IntakeChannel,
    Reporter,
    ReporterRole,
)
from terrain_contracts.events.initiative import Briefing, InitiativeStatus, NeedSource, Size
from terrain_contracts.registry import published_by
from terrain_dev.memory import memory_uow
from terrain_dev.probes import consumer_settled, stored_messages
from terrain_dev.servers import free_port
from terrain_dev.testing import running, settings_for
from terrain_insights.domain.taxonomy import from_yaml
from terrain_insights.handlers import taxonomy as taxonomy_handlers
from terrain_insights.handlers.context import Context
from terrain_insights.main import create
from terrain_insights.settings import InsightsHttp, InsightsSettings, PeriodicSettings
from terrain_kit.uow import UnitOfWork

EVALUATION = Path(__file__).resolve().parents[2] / "services" / "insights" / "evaluation"
TAXONOMY_YAML = (EVALUATION / "taxonomy.yaml").read_text(encoding="utf-8")
_external = count(1)


def insights_settings(nats_server, mongo_server, database_name, **overrides) -> InsightsSettings:
    # Periodic jobs stay out of the way unless a test asks for them; unowned demand runs on a short tick;
    # a replay goes two items at a time, so a few items already take it over several chunks.
    periodic = PeriodicSettings(
        unowned_interval_seconds=0.3,
        detectors_interval_seconds=3600,
        clustering_interval_seconds=3600,
        replay_poll_seconds=0.1,
        replay_chunk=2,
    )
    return settings_for(
        InsightsSettings,
        nats_server,
        mongo_server,
        database_name,
        http=InsightsHttp(port=free_port()),
        **{"periodic": periodic, **overrides},
    )


@pytest.fixture
async def insights(nats_server, mongo_server, database_name, jetstream):
    async with running(create(insights_settings(nats_server, mongo_server, database_name))) as svc:
        response = await svc.http.post(
            "/v1/taxonomy/import", content=TAXONOMY_YAML, headers={"Content-Type": "application/yaml"}
        )
        assert response.status_code == 201, response.text
        yield svc


def ingested(
    text: str,
    *,
    feedback_id: str | None = None,
    revision: int = 1,
    account_id: str | None = "acme",
    arr_minor: int | None = 1_000_000,
    currency: str = "EUR",
    segment: str | None = "mid_market",
    renewal: date | None = None,
    occurred_at: datetime | None = None,
) -> FeedbackIngested:
    number = next(_external)
    now = datetime.now(UTC)
    account = (
        None
        if account_id is None
        else AccountSnapshot(
            account_id=account_id,
            name=account_id.capitalize(),
            segment=segment,
            renewal_date=renewal,
            arr=Money(amount_minor=arr_minor, currency=currency) if arr_minor is not None else None,
        )
    )
    return FeedbackIngested.create(
        FeedbackIngestedData(
            feedback_id=feedback_id or f"fb-{number}",
            revision=revision,
            source="zendesk",
            external_id=f"T-{number}",
            channel=IntakeChannel.event,
            kind=FeedbackKind.customer,
            reporter=Reporter(name="Camille", role=ReporterRole.customer),
            account=account,
            text=text,
            occurred_at=occurred_at or now,
            ingested_at=now,
        ),
        source="feedback",
    )


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


async def insights_of(js, subject: str, kind: str | None = None) -> list[dict]:
    """The insight events of ``subject`` on the stream (of ``kind`` if given), oldest first."""
    found = [json.loads(m.data)["data"] for m in await stored_messages(js, streams.INSIGHTS, subject)]
    return [d for d in found if kind is None or d["insight"]["kind"] == kind]


async def settled(js) -> bool:
    return await consumer_settled(js, streams.FEEDBACK, "insights-classifier")


NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)  # the fast tier's clock, until a test moves it


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(clock: Clock) -> Context:
    """The handlers' context on a clock the test sets."""
    return Context(InsightsSettings(), clock=clock)


@pytest.fixture
async def uow(ctx: Context) -> UnitOfWork:
    """An in-memory unit of work holding the evaluation taxonomy as version 1."""
    unit = memory_uow(publishes=published_by("insights"))
    await taxonomy_handlers.new_version(unit, ctx, from_yaml(TAXONOMY_YAML), "test")
    return unit


def briefing(status: InitiativeStatus, themes: list[str], version: int) -> Briefing:
    return Briefing(
        initiative_id="ini-sso",
        title="SAML SSO for enterprise",
        problem="Security reviews block deals.",
        source=NeedSource.customer_feedback,
        size=Size.m,
        intention="Ship SAML with Okta and Azure AD.",
        owner_team_id="team-identity",
        quarter="2026-Q4",
        status=status,
        product_area="identity",
        themes=themes,
        version=version,
    )
