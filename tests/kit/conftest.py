import pytest
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_dev.servers import free_port
from terrain_dev.testing import ADMIN_KEY, running, settings_for
from terrain_kit.settings import HttpSettings

from .sample_service import ATTEMPTS, HEALED, SampleSettings, build

__all__ = ["ADMIN_KEY"]


@pytest.fixture
def sample_settings(nats_server, mongo_server, database_name, jetstream) -> SampleSettings:
    return settings_for(
        SampleSettings,
        nats_server,
        mongo_server,
        database_name,
        http=HttpSettings(port=free_port(), max_body_bytes=64 * 1024),
    )


@pytest.fixture
async def sample(sample_settings):
    ATTEMPTS.clear()
    HEALED.clear()
    async with running(build(sample_settings)) as service:
        yield service


def account_event(account_id: str, name: str) -> AccountUpdated:
    return AccountUpdated.create(
        AccountUpdatedData(account=Account(account_id=account_id, name=name)), source="crm"
    )
