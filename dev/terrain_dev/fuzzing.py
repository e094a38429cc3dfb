"""How much the fuzz tests try: bounded in the suite, longer on request.

    TERRAIN_FUZZ_SCALE=20 ./terrain test -k fuzz      # twenty times the examples of the suite run

Every fuzz test states its suite budget with :func:`budget`; the scale
multiplies it. Without the variable (the suite, CI) the examples are
derandomised: every run tries the same ones, so a red CI run is a change of
the code, never the luck of a seed. With it, each run explores new examples
(``--hypothesis-seed`` reproduces one). Hypothesis' example database stays off.

The API fuzz tests (``tests/<service>/test_api_fuzz.py``) run schemathesis
in-process against a service's ASGI app, started on the real servers, with
the admin key: :func:`openapi_schema`, :func:`serving`, :func:`call_and_validate`.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings

if TYPE_CHECKING:
    from schemathesis import BaseSchema

SCALE_VARIABLE = "TERRAIN_FUZZ_SCALE"


def scale() -> float:
    raw = os.environ.get(SCALE_VARIABLE, "1")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{SCALE_VARIABLE} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{SCALE_VARIABLE} must be positive, got {raw!r}")
    return value


def examples(suite: int) -> int:
    """The number of examples for a test that tries ``suite`` examples in the suite run."""
    return max(1, round(suite * scale()))


def budget(suite: int) -> settings:
    """Hypothesis settings for a fuzz test: ``suite`` examples times the scale, no deadline (shared CI
    machines), no example database, and fixtures that outlive one example are intended."""
    return settings(
        max_examples=examples(suite),
        deadline=None,
        database=None,
        derandomize=SCALE_VARIABLE not in os.environ,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


# -- schemathesis against a service's OpenAPI ----------------------------------------------------------

# What every answer must satisfy. Left out on purpose: status_code_conformance and positive_data_acceptance
# (the documents do not list each domain refusal: 404 unknown id, 409 conflict, 422 a taxonomy that is not a
# mapping), and the stateful checks that need links between operations.
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
)


class StandIn:
    """An ASGI app known at collection time (schemathesis binds operations to an app when it collects them),
    forwarding to the service app a fixture builds later on the real servers.

    schemathesis runs apps on its own event-loop thread and ends their lifespan after every test; the service
    lives for the whole module instead: it starts with the first lifespan and stops with the one `serving`
    ends."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None
        self.started = False
        self.stopping = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            raise RuntimeError("no service app: call the test through its `serving` fixture")
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        service = self.app.state.service
        await receive()  # startup
        if not self.started:
            await service.start()
            self.started = True
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        if self.stopping and self.started:
            await service.stop()
            self.started = False
        await send({"type": "lifespan.shutdown.complete"})


def openapi_schema(create: Callable[[], FastAPI]) -> "BaseSchema":
    """A service's OpenAPI document for schemathesis, read at collection time from an app built with default
    settings (the document does not depend on them; nothing is started)."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(create().openapi())
    schema.app = StandIn()
    return schema


@contextmanager
def serving(schema: "BaseSchema", app: FastAPI) -> Iterator[Any]:
    """``app``'s service started on the real servers, on schemathesis' event-loop thread, answering the
    cases of ``schema`` in-process until the end of the block; yields a client (``requests`` API)
    for set-up."""
    from schemathesis.python import asgi

    stand_in: StandIn = schema.app
    stand_in.app, stand_in.stopping = app, False
    try:
        with asgi.get_client(stand_in) as client:  # starts the service
            yield client
    finally:
        stand_in.stopping = True
        try:
            with asgi.get_client(stand_in):  # a lifespan whose end stops the service
                pass
            asgi.shutdown_lifespans()
        finally:
            stand_in.app = None


def api_budget(suite: int = 3) -> settings:
    """Settings of an API fuzz test: ``suite`` examples per operation (times the scale), reported as found
    (shrinking a case replays it against the live service, slowly), one failure per operation."""
    return settings(phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False, parent=budget(suite))


def call_and_validate(case: Any, api_key: str) -> None:
    """Send ``case`` with ``api_key`` (per call, so the auth check can take it away)
    and run :data:`CHECKS`."""
    from schemathesis.checks import CHECKS as REGISTERED

    case.call_and_validate(
        headers={"X-API-Key": api_key}, checks=[REGISTERED.get_one(name) for name in CHECKS]
    )
