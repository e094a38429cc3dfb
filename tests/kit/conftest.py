from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_dev.servers import free_port
from terrain_kit.service import Service
from terrain_kit.settings import (
    ConsumerSettings,
    HttpSettings,
    MongoSettings,
    NatsSettings,
    OutboxSettings,
    TelemetrySettings,
)

from .sample_service import ATTEMPTS, HEALED, SampleSettings, build

ADMIN_KEY = "admin-secret-for-tests"


@pytest.fixture
def sample_settings(nats_server, mongo_server, database_name, jetstream) -> SampleSettings:
    return SampleSettings(
        nats=NatsSettings(url=nats_server.url),
        mongo=MongoSettings(uri=mongo_server.uri, database=database_name),
        consumer=ConsumerSettings(max_attempts=3, backoff_seconds=[0.05, 0.1], ack_wait_seconds=2,
                                  max_deliveries=4, fetch_timeout_seconds=0.2, linger_ms=2),
        outbox=OutboxSettings(sweep_interval_seconds=0.2, sweep_grace_seconds=0.3),
        http=HttpSettings(port=free_port(), max_body_bytes=64 * 1024),
        admin_key=ADMIN_KEY,
        telemetry=TelemetrySettings(log_format="text", log_level="WARNING"),
    )


@dataclass
class Sample:
    app: FastAPI
    service: Service
    http: httpx.AsyncClient


@pytest.fixture
async def sample(sample_settings):
    ATTEMPTS.clear()
    HEALED.clear()
    app = build(sample_settings)
    service: Service = app.state.service
    await service.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sample",
                               headers={"X-API-Key": ADMIN_KEY})
    yield Sample(app, service, client)
    await client.aclose()
    await service.stop()


def account_event(account_id: str, name: str) -> AccountUpdated:
    return AccountUpdated.create(AccountUpdatedData(account=Account(account_id=account_id, name=name)),
                                 source="crm")
