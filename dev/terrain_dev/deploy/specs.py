"""What each service declares, read from the services themselves (no hand-kept lists)."""

import importlib
from dataclasses import dataclass

from terrain_contracts import streams as stream_names
from terrain_kit.advisories import advisories_consumer
from terrain_kit.broker import inbox_prefix

from ..stack import SERVICES


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    publishes: tuple[str, ...]  # event subjects
    consumers: tuple[tuple[str, str], ...]  # (stream, durable), the advisories consumer included
    streams: tuple[str, ...]  # streams it provisions
    erases: tuple[str, ...]  # streams it deletes erased personal messages from (terrain_kit.erasure)
    http_intake: bool  # takes outside HTTP traffic (webhooks): scaled on CPU
    asyncapi: str  # the service's AsyncAPI document (YAML)

    @property
    def inbox(self) -> str:
        return inbox_prefix(self.name)

    @property
    def event_consumers(self) -> tuple[tuple[str, str], ...]:
        return tuple(c for c in self.consumers if c[0] != stream_names.ADVISORIES)


HTTP_INTAKE = {"feedback"}


def load(name: str, module: str) -> ServiceSpec:
    main = importlib.import_module(f"{module}.main")
    settings_class = next(getattr(main, attr) for attr in dir(main) if attr.endswith("Settings"))
    service = main.create(settings_class()).state.service
    consumers = [(r.consumer.stream, r.durable) for r in service.consumers.values()]
    if consumers:
        consumers.append((stream_names.ADVISORIES, advisories_consumer(name).durable_name))
    return ServiceSpec(
        name=name,
        port=service.settings.http.port,
        publishes=tuple(sorted({event.subject for event in service.publishes})),
        consumers=tuple(sorted(consumers)),
        streams=tuple(sorted(service.streams)),
        erases=tuple(sorted(service.personal_streams)),
        http_intake=name in HTTP_INTAKE,
        asyncapi=service.asyncapi(),
    )


def all_specs() -> list[ServiceSpec]:
    return [load(name, module) for name, module, _ in SERVICES]
