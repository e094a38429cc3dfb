"""Running a service in the test's own event loop, against the real servers.

settings = settings_for(FeedbackSettings, nats_server, mongo_server, database_name)
async with running(create(settings)) as svc:
    response = await svc.http.post("/v1/...", json=...)          # admin key by default
    pm_key = await svc.api_key("pm", member_id="m-1")
    await publish(jetstream, SomeEvent.create(...))
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext
from terrain_contracts import Event
from terrain_contracts.headers import MSG_ID
from terrain_kit.service import Service
from terrain_kit.settings import (
    ConsumerSettings,
    MongoSettings,
    NatsSettings,
    OutboxSettings,
    ServiceSettings,
    TelemetrySettings,
)

from .servers import MongoServer, NatsServer

ADMIN_KEY = "terrain-test-admin-key"
S = TypeVar("S", bound=ServiceSettings)


def fast_consumers(**overrides: Any) -> ConsumerSettings:
    """Short timings so retries and dead letters happen within a test's patience."""
    return ConsumerSettings(
        **{
            "max_attempts": 3,
            "backoff_seconds": [0.05, 0.1],
            "ack_wait_seconds": 2,
            "max_deliveries": 5,
            "fetch_timeout_seconds": 0.2,
            "linger_ms": 2,
            **overrides,
        }
    )


def settings_for(
    settings_class: type[S], nats: NatsServer, mongo: MongoServer, database: str, **overrides: Any
) -> S:
    base: dict[str, Any] = {
        "nats": NatsSettings(url=nats.url),
        "mongo": MongoSettings(uri=mongo.uri, database=database),
        "consumer": fast_consumers(),
        "outbox": OutboxSettings(sweep_interval_seconds=0.2, sweep_grace_seconds=0.3),
        "admin_key": ADMIN_KEY,
        "telemetry": TelemetrySettings(log_format="text", log_level="WARNING"),
    }
    return settings_class(**(base | overrides))


@dataclass
class RunningService:
    app: FastAPI
    service: Service
    http: httpx.AsyncClient

    @property
    def db(self):
        return self.service.db

    async def api_key(self, role: str, member_id: str | None = None) -> str:
        response = await self.http.post(
            "/v1/api-keys", json={"name": f"{role} for tests", "role": role, "member_id": member_id}
        )
        response.raise_for_status()
        return response.json()["key"]


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[RunningService]:
    service: Service = app.state.service
    await service.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service", headers={"X-API-Key": ADMIN_KEY}
    )
    try:
        yield RunningService(app, service, client)
    finally:
        await client.aclose()
        await service.stop()


async def publish(js: JetStreamContext, *events: Event) -> None:
    """Publish as a well-behaved producer does: on the event's subject, Nats-Msg-Id = event id.

    Pipelined (acks awaited together), so a large burst arrives as a burst."""
    pending = [
        await js.publish_async(
            event.subject, event.to_json(), stream=event.stream, headers={MSG_ID: str(event.id)}
        )
        for event in events
    ]
    await asyncio.gather(*pending)


def require_tool(command: str, debian_package: str) -> str:
    """Path of an external checker; skipped with the reason locally, a failure in CI (.ci/run installs it)."""
    import os
    import shutil

    import pytest

    found = shutil.which(command)
    if found is None:
        message = f"{command} not installed (Debian package {debian_package}; .ci/run installs it)"
        if os.environ.get("TERRAIN_CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found
