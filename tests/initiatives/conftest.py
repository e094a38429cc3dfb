"""The initiatives service in the test's loop on the real servers and a small API client; the fast
tier's in-memory unit of work and context."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from terrain_contracts import streams
from terrain_contracts.registry import BY_SUBJECT, published_by
from terrain_dev.memory import memory_uow
from terrain_dev.probes import stored_messages
from terrain_dev.testing import RunningService, running, settings_for
from terrain_initiatives.handlers.context import Context
from terrain_initiatives.main import context_for, create
from terrain_initiatives.settings import InitiativesSettings
from terrain_kit.uow import UnitOfWork

QUARTER = "2027-Q1"
T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class Clock:
    """The service's notion of now, moved by tests instead of waiting."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Api:
    """Calls the way a user would, with one API key per person."""

    svc: RunningService
    clock: Clock
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def db(self):
        return self.svc.db

    async def key(self, who: str, role: str, member_id: str | None = None) -> str:
        if who not in self.keys:
            self.keys[who] = await self.svc.api_key(role, member_id=member_id)
        return self.keys[who]

    async def call(
        self,
        method: str,
        path: str,
        as_: str | None = None,
        *,
        version: int | None = None,
        json_body: Any = None,
        params: dict | None = None,
    ) -> httpx.Response:
        headers = {}
        if as_ is not None:
            headers["X-API-Key"] = self.keys[as_]
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        return await self.svc.http.request(method, path, json=json_body, params=params, headers=headers)

    # -- set-up shortcuts (as the admin key unless told) --------------------------------------

    async def team(
        self,
        team_id: str,
        kind: str = "squad",
        parent: str | None = "tribe-core",
        members: tuple[tuple[str, str], ...] = (),
    ) -> dict:
        if parent and kind == "squad" and (await self.call("GET", f"/v1/teams/{parent}")).status_code == 404:
            await self.team(parent, kind="tribe", parent=None)
        response = await self.call(
            "POST",
            "/v1/teams",
            json_body={
                "team_id": team_id,
                "name": team_id.replace("-", " ").title(),
                "kind": kind,
                "parent_team_id": parent if kind == "squad" else None,
            },
        )
        assert response.status_code == 201, response.text
        for member_id, role in members:
            added = await self.call(
                "POST",
                f"/v1/teams/{team_id}/members",
                json_body={
                    "member_id": member_id,
                    "name": member_id.title(),
                    "email": f"{member_id}@example.com",
                    "role": role,
                },
            )
            assert added.status_code == 201, added.text
        return response.json()

    async def pm(self, member_id: str, team_id: str) -> str:
        """A squad with a pm, and the pm's API key (named after the member)."""
        if (await self.call("GET", f"/v1/teams/{team_id}")).status_code == 404:
            await self.team(team_id, members=((member_id, "pm"),))
        await self.key(member_id, "pm", member_id=member_id)
        return member_id

    async def briefing(self, team_id: str, as_: str | None = None, **fields: Any) -> dict:
        body = {
            "title": f"Initiative of {team_id}",
            "problem": "Customers wait too long.",
            "source": "strategy",
            "size": "m",
            "intention": "Make it fast.",
            "owner_team_id": team_id,
            "quarter": QUARTER,
            **fields,
        }
        response = await self.call("POST", "/v1/initiatives", as_, json_body=body)
        assert response.status_code == 201, response.text
        return response.json()["initiative"]

    async def get(self, initiative_id: str) -> dict:
        response = await self.call("GET", f"/v1/initiatives/{initiative_id}")
        assert response.status_code == 200, response.text
        return response.json()

    async def move(self, initiative_id: str, to: str, as_: str | None = None) -> httpx.Response:
        current = (await self.get(initiative_id))["initiative"]["version"]
        return await self.call(
            "POST", f"/v1/initiatives/{initiative_id}/status", as_, version=current, json_body={"to": to}
        )

    async def cycle(self, quarter: str = QUARTER, phase: str = "drafting") -> None:
        if (await self.call("GET", f"/v1/cycles/{quarter}")).status_code == 404:
            assert (await self.call("POST", "/v1/cycles", json_body={"quarter": quarter})).status_code == 201
        order = ["drafting", "alignment", "validation", "frozen"]
        current = (await self.call("GET", f"/v1/cycles/{quarter}")).json()["phase"]
        for step in order[order.index(current) + 1 : order.index(phase) + 1]:
            moved = await self.call("POST", f"/v1/cycles/{quarter}/phase", json_body={"to": step})
            assert moved.status_code == 200, moved.text


async def events(js, subject: str) -> list:
    """Every event of a subject published so far, parsed with its contract."""
    kind = BY_SUBJECT[subject]
    found = await stored_messages(js, streams.stream_for(subject), subject)
    return [kind.parse(message.data) for message in found]


def body(response: httpx.Response) -> dict:
    return json.loads(response.text)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(nats_server, mongo_server, database_name, jetstream, clock) -> Api:
    settings = settings_for(
        InitiativesSettings, nats_server, mongo_server, database_name, maintenance_interval_seconds=0.2
    )
    app = create(settings)
    app.state.context.clock = clock
    async with running(app) as svc:
        yield Api(svc, clock)


@pytest.fixture
def uow() -> UnitOfWork:
    """The fast tier's unit of work: in memory, allowed what the service publishes."""
    return memory_uow(publishes=published_by("initiatives"))


@pytest.fixture
def context(clock: Clock) -> Context:
    context = context_for(InitiativesSettings(ballot_quorum=2, max_links_per_initiative=3))
    context.clock = clock
    return context
