"""The FastStream NATS broker every service uses, and idempotent stream provisioning."""

import logging
from collections.abc import Iterable

from faststream.middlewares import BaseMiddleware
from faststream.nats import NatsBroker, NatsUserPassword
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY
from terrain_contracts.streams import BY_NAME, StreamSpec

from .settings import NatsSettings

log = logging.getLogger(__name__)


def inbox_prefix(service: str) -> str:
    return f"_INBOX_{service}"


def make_broker(
    service: str,
    settings: NatsSettings,
    delivery: type[BaseMiddleware],
    tracer_provider: TracerProvider,
    graceful_timeout: float = 20.0,
) -> NatsBroker:
    security = None
    if settings.user:
        password = settings.password.get_secret_value() if settings.password else ""
        security = NatsUserPassword(settings.user, password)
    return NatsBroker(
        settings.servers,
        name=f"terrain-{service}",
        security=security,
        # Replies come to this service's own inbox prefix, so its NATS user can be kept from others'.
        inbox_prefix=inbox_prefix(service),
        connect_timeout=int(settings.connect_timeout_seconds),
        js_options={"timeout": settings.api_timeout_seconds},
        max_reconnect_attempts=-1,  # keep trying: a restarted or re-elected server must not stop the service
        reconnect_time_wait=1,
        graceful_timeout=graceful_timeout,
        # Delivery first (outermost): metrics and traces inside it see handler errors as errors.
        middlewares=[
            delivery,
            NatsPrometheusMiddleware(registry=REGISTRY, app_name=service),
            NatsTelemetryMiddleware(tracer_provider=tracer_provider),
        ],
        # Handlers parse payloads with their contracts themselves (tolerant, dead-letter on failure),
        # so FastStream hands them the message untouched.
        apply_types=False,
        decoder=lambda message: message,
        logger=None,  # per-message logging costs ~40% throughput; the kit logs what matters
    )


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy(spec.retention),
        storage=StorageType(spec.storage),
        num_replicas=replicas,
        max_age=spec.max_age_seconds,
        duplicate_window=spec.duplicate_window_seconds,
        max_msg_size=spec.max_msg_size,
        discard=DiscardPolicy.OLD,
    )


async def provision(js: JetStreamContext, names: Iterable[str], replicas: int) -> None:
    """Create the streams, or bring an existing stream's configuration up to date."""
    for name in sorted(set(names)):
        config = stream_config(BY_NAME[name], replicas)
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != 10058:  # "stream name already in use with a different configuration"
                raise
            await js.update_stream(config)
            log.info("stream configuration updated", extra={"stream": name})
