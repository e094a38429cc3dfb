from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from terrain_contracts import streams
from terrain_contracts.registry import published_by
from terrain_dev.memory import MemoryDatabase, memory_uow
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish, running, settings_for
from terrain_dev.waiting import eventually
from terrain_kit.uow import UnitOfWork
from terrain_notifier.handlers.context import Context
from terrain_notifier.main import create
from terrain_notifier.settings import DispatchSettings, NotifierSettings, PolicySettings, SmtpSettings

from .memory import Clock, no_dns
from .receivers import HttpReceiver, SmtpReceiver

# -- the fast tier: an in-memory unit of work and a context whose clock the test moves ------------------


@pytest.fixture
def uow() -> UnitOfWork:
    return memory_uow(MemoryDatabase(), publishes=published_by("notifier"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def context(clock) -> Context:
    return Context(NotifierSettings(), check_hosts=no_dns, clock=clock)


# -- the integration tier: the service on the real servers, and receivers for what it sends ------------


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def notifier_settings(nats_server, mongo_server, database_name, jetstream, smtp_receiver) -> NotifierSettings:
    return make_settings(nats_server, mongo_server, database_name, smtp_receiver)


def make_settings(
    nats_server, mongo_server, database_name, smtp_receiver, **overrides: Any
) -> NotifierSettings:
    fast = {
        "smtp": SmtpSettings(port=smtp_receiver.port, timeout_seconds=5),
        "dispatch": DispatchSettings(
            poll_seconds=0.05,
            backoff_base_seconds=0.05,
            backoff_max_seconds=0.2,
            max_attempts=3,
            claim_seconds=10,
            breaker_failures=5,
            breaker_cooldown_seconds=30,
        ),
        "policy": PolicySettings(periodic_seconds=0.1),
        "ssrf_allow": ["127.0.0.1/32"],  # the local receivers
    }
    return settings_for(NotifierSettings, nats_server, mongo_server, database_name, **(fast | overrides))


@pytest.fixture
async def notifier(notifier_settings) -> AsyncIterator:
    async with running(create(notifier_settings)) as service:
        yield service


async def settled(js, durable: str, stream: str) -> bool:
    return await consumer_settled(js, stream, durable)


async def feed(js, *events) -> None:
    """Publish events and wait until the notifier's consumers took all of them."""
    await publish(js, *events)
    consumers = {
        streams.INSIGHTS: "notifier-insights",
        streams.TEAMS: "notifier-teams",
        streams.FEEDBACK: "notifier-reporters",
        streams.INITIATIVES: "notifier-loops",
    }
    for stream in {event.stream for event in events}:
        await eventually(
            lambda stream=stream: settled(js, consumers[stream], stream), what=f"{consumers[stream]} settled"
        )


async def value(result):
    """``eventually`` awaits its probe: this wraps a plain value (what a receiver holds right now)."""
    return result


async def at_least(found, count: int):
    """The awaited list once it holds ``count`` items, else None (not yet)."""
    items = await found
    return items if len(items) >= count else None


async def no_pending(service) -> bool:
    """Nothing left for the dispatcher: every delivery sent or settled."""
    return await service.db["deliveries"].count_documents({"status": {"$in": ["pending", "sending"]}}) == 0


async def put_current(http, path: str, **kwargs: Any):
    """PUT a whole document (rules, preferences) based on the version a GET shows: If-Match with its ETag."""
    headers = kwargs.pop("headers", None) or {}
    shown = await http.get(path, headers=headers)
    return await http.put(path, headers={**headers, "If-Match": shown.headers["ETag"]}, **kwargs)
