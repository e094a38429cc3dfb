"""The HTTP face of every service: health, readiness, metrics, uniform errors, RED metrics, body cap."""

import email.message
import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, params
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from terrain_contracts.types import field_errors

from . import auth, logs, metrics
from .api import domain_error
from .errors import DomainError
from .identity import Verifier

if TYPE_CHECKING:
    from .service import Service

CORRELATION_HEADER = "x-correlation-id"
UNTRACED_ROUTES = "/healthz,/readyz,/metrics,/asyncapi.yaml"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class FieldProblem(BaseModel):
    field: str
    message: str


class InvalidRequest(BaseModel):
    """A 422 answer: what was wrong, and for malformed input each field at fault."""

    detail: str
    errors: list[FieldProblem] | None = None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for it (Starlette types handlers loosely)
    errors = [error.model_dump() for error in field_errors(exc.errors())]
    fields = ", ".join(e["field"] for e in errors)
    return JSONResponse(status_code=422, content={"detail": f"invalid request: {fields}", "errors": errors})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # registered for it
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    # Starlette names only the methods of the first route on the path; RFC 9110 wants all the resource has.
    methods = [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return JSONResponse(
        status_code=405, content={"detail": exc.detail}, headers={"Allow": ", ".join(methods)}
    )


def _is_json(request: Request) -> bool:
    """Whether FastAPI reads this request's body as JSON (no content type, or a JSON one)."""
    content_type = request.headers.get("content-type")
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


BodyAdapters = list[tuple[str | None, TypeAdapter]]


def _body_adapters_of(route: Any) -> BodyAdapters:
    """(key in the body, or None for the whole body; adapter) for each JSON body parameter of ``route``."""
    found: BodyAdapters | None = getattr(route, "_terrain_body_adapters", None)
    if found is None:
        fields = [
            f
            for f in getattr(getattr(route, "dependant", None), "body_params", None) or []
            if not isinstance(f.field_info, params.Form)
        ]
        embedded = len({f.name for f in fields}) > 1 or any(
            getattr(f.field_info, "embed", False) for f in fields
        )
        found = [
            (
                f.alias if embedded else None,
                # Built at run time from the route's fields: mypy cannot read a dynamic Annotated.
                TypeAdapter(Annotated[f.field_info.annotation, f.field_info]),  # type: ignore[arg-type]
            )
            for f in fields
        ]
        route._terrain_body_adapters = found  # built once per route (routes are not hashable)
    return found


async def strict_json_body(request: Request) -> None:
    """Refuse a JSON body whose values have the wrong JSON type, as the OpenAPI document states them.

    FastAPI validates the decoded body in pydantic's lax Python mode: 0 passes as a date-time, false as an
    integer, "5" as a number. Pydantic's strict JSON mode takes exactly the JSON types of the schema (a
    date-time is a string, an enum its value). Found by schemathesis (negative data accepted).

    This runs before the route's own dependencies (an app-wide dependency comes first), so it refuses only
    bodies that lax validation would let through: any other invalid body is left to FastAPI, answered after
    the route's 401/403 as before."""
    route = request.scope.get("route")
    adapters = _body_adapters_of(route) if route is not None else []
    if not adapters or not _is_json(request):
        return
    body = await request.body()  # cached, and already decoded by FastAPI: malformed JSON never gets here
    if not body:
        return
    targets: list[tuple[tuple[str, ...], str | bytes, TypeAdapter[Any]]]
    if adapters[0][0] is None:
        targets = [(("body",), body, adapters[0][1])]
    else:
        decoded = json.loads(body)
        present = decoded if isinstance(decoded, dict) else {}
        targets = [
            (("body", key), json.dumps(present[key]), adapter)
            for key, adapter in adapters
            if key is not None and key in present  # embedded: every parameter has its key
        ]
    errors: list[dict[str, Any]] = []
    for loc, raw, adapter in targets:
        try:
            adapter.validate_json(raw, strict=True)
        except ValidationError as exc:
            try:
                adapter.validate_json(raw)
            except ValidationError:
                return
            errors += [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False)]
    if errors:
        raise RequestValidationError(errors)


def _document_invalid_requests(app: FastAPI) -> None:
    """The OpenAPI document describes the 422 body this module sends, not FastAPI's default one."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI keeps it as app.openapi_schema: amended in place, once
        schemas = document.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            body = InvalidRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(body.pop("$defs", {}))
            schemas["HTTPValidationError"] = body
            schemas.pop("ValidationError", None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class ObservedRequests:
    """RED metrics per route template, the correlation id of the request, and a body-size cap."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            response = JSONResponse(
                status_code=413, content={"detail": f"body over {self.max_body_bytes} bytes"}
            )
            return await response(scope, receive, send)
        correlation = headers.get(CORRELATION_HEADER.encode(), b"").decode()[:128] or None
        token = logs.correlation_id.set(correlation)
        status_code = 500
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:  # chunked bodies announce no length
                raise BodyTooLarge()
            return message

        async def observed_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, counted_receive, observed_send)
        except BodyTooLarge:
            status_code = 413
            response = JSONResponse(
                status_code=413, content={"detail": f"body over {self.max_body_bytes} bytes"}
            )
            await response(scope, receive, send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(method, template, str(status_code)).inc()
            metrics.HTTP_SECONDS.labels(method, template).observe(time.perf_counter() - started)
            logs.correlation_id.reset(token)


class BodyTooLarge(Exception):
    pass


def _add_operations_routes(app: FastAPI, service: "Service") -> None:
    """Health, readiness, the AsyncAPI document and metrics: the same on every service."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service.name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await service.health()
        ready = all(checks.values())
        return JSONResponse(
            status_code=200 if ready else 503,
            content={"status": "ready" if ready else "not ready", "checks": checks},
        )

    @app.get("/asyncapi.yaml", include_in_schema=False)
    async def asyncapi() -> PlainTextResponse:
        return PlainTextResponse(service.asyncapi(), media_type="application/yaml")

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def create_app(
    service: "Service",
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    **fastapi_kwargs: Any,
) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=service.lifespan,
        dependencies=[Depends(strict_json_body)],
        **fastapi_kwargs,
    )
    app.state.service = service
    identity = service.settings.identity
    app.state.api_keys = auth.ApiKeys(
        service.db, service.settings.admin_key, Verifier(identity.public_keys, identity.leeway_seconds)
    )
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DomainError, domain_error)
    _document_invalid_requests(app)
    app.add_middleware(ObservedRequests, max_body_bytes=service.settings.http.max_body_bytes)

    _add_operations_routes(app, service)
    app.include_router(auth.router)
    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=service.tracer_provider, excluded_urls=UNTRACED_ROUTES
    )
    return app
