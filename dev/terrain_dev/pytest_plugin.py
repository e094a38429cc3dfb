"""Pytest fixtures: the real servers, once per session on free ports; a clean slate per test."""

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from .servers import MongoServer, NatsServer

MARKERS = ("unit", "integration", "e2e")


_MODULE_KIND = re.compile(r"^pytestmark = \[?pytest\.mark\.(integration|e2e)\b", re.M)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With a marker expression that names neither integration nor e2e (``--fast``: the unit tier), a
    module marked integration or e2e as a whole is not even imported: its tests would all be deselected,
    and importing them (schemathesis, the services' apps) is most of the tier's time."""
    expression = config.getoption("markexpr") or ""
    if not expression or "integration" in expression or "e2e" in expression:
        return None
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    return bool(_MODULE_KIND.search(collection_path.read_text(encoding="utf-8"))) or None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test states its kind, so `-m unit` and friends select honestly."""
    for item in items:
        kinds = [m for m in MARKERS if item.get_closest_marker(m)]
        if len(kinds) != 1:
            raise pytest.UsageError(f"{item.nodeid}: mark it with exactly one of {MARKERS} (has {kinds})")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(
        data_dir=tmp_path_factory.mktemp("nats"), log_path=tmp_path_factory.getbasetemp() / "nats.log"
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    server = MongoServer(
        data_dir=tmp_path_factory.mktemp("mongo"), log_path=tmp_path_factory.getbasetemp() / "mongo.log"
    ).start()
    yield server
    server.stop()


@pytest.fixture
async def jetstream(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    """A JetStream context on a server with no streams left by earlier tests."""
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    for info in await js.streams_info():
        if info.config.name is not None:
            await js.delete_stream(info.config.name)
    yield js
    await connection.close()


@pytest.fixture
def database_name() -> str:
    """A database of its own for each test: no cleanup needed, no interference."""
    return f"test_{uuid.uuid4().hex[:12]}"
