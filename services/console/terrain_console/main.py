"""Composition root: settings -> Mongo, identity issuer, service clients -> pages (FastAPI + Jinja2)."""

import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from terrain_contracts.types import field_errors
from terrain_kit import logs, mongo, telemetry

from . import metrics, store
from .handlers import accounts
from .handlers.context import Context
from .handlers.services import Services
from .http import ROUTERS
from .http.pages import HANDLERS, render
from .settings import ConsoleSettings
from .store import INDEXES

UNTRACED = "/healthz,/readyz,/metrics,/static/.*"


class PageLatency:
    """Server time per page (route template, never the id in the path), as console_page_seconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, observed)
        finally:
            page = getattr(scope.get("route"), "path", "unmatched")
            metrics.PAGE_SECONDS.labels(scope["method"], page, str(status)).observe(
                time.perf_counter() - started
            )


# No script runs on these pages, nothing may frame them (clickjacking), forms post only here.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        b"frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),  # pages carry people's data: not kept by shared caches
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def invalid_input(request: Request, exc: Exception) -> Response:
    """A malformed query or form value: the page names the field (never a 500, never raw JSON)."""
    assert isinstance(exc, RequestValidationError)  # registered for it
    errors = [{"field": e.field, "message": e.message} for e in field_errors(exc.errors())]
    return render(
        request, "error.html", 422, title="Invalid input", message="Some values were refused:", errors=errors
    )


def _operations(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        context: Context = request.app.state.context
        try:
            await store.ping(context.db)
            checks: dict[str, bool | str] = {"started": True, "mongo": True}
        except Exception as exc:  # reported, not ignored: readiness says which check failed
            checks = {"started": True, "mongo": False, "error": repr(exc)[:200]}
        ready = checks["mongo"] is True
        return JSONResponse(
            status_code=200 if ready else 503,
            content={"status": "ready" if ready else "not ready", "checks": checks},
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def create(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    instance = settings.instance or f"{socket.gethostname()}:{os.getpid()}"
    logs.configure("console", instance, settings.telemetry.log_level, settings.telemetry.log_format)
    tracer_provider = telemetry.configure("console", instance, settings.telemetry)
    client = mongo.connect(settings.mongo, app_name="terrain-console")
    context = Context(settings, client[settings.database_name()])
    services = Services(context, tracer_provider)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await mongo.ensure_indexes(context.db, INDEXES)
        await accounts.seed(context)
        try:
            yield
        finally:
            await services.close()
            await client.close()
            tracer_provider.shutdown()

    app = FastAPI(
        title="Terrain console",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = context
    app.state.services = services
    app.add_exception_handler(RequestValidationError, invalid_input)
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(PageLatency)
    _operations(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, excluded_urls=UNTRACED)
    return app


def run() -> None:
    settings = ConsoleSettings()
    config = uvicorn.Config(
        create(settings),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()
