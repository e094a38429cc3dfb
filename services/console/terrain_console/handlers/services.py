"""The four services, called as the person signed in: a short-lived identity token per request, the trace
context in the headers. The console never reads their databases; what they refuse, the page shows."""

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from .. import metrics
from ..domain.signin import Person
from .context import Context

SERVICES = ("feedback", "initiatives", "insights", "notifier")


class Refused(Exception):
    """A service answered 4xx: ``status``, its ``detail`` and, for 422, the fields at fault."""

    def __init__(
        self, service: str, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(f"{service} answered {status}: {detail}")
        self.service = service
        self.status = status
        self.detail = detail
        self.errors = errors or []


class Unavailable(Exception):
    """A service could not be reached or failed (5xx): the page says which, the console keeps running."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} is unavailable: {reason}")
        self.service = service
        self.reason = reason


@dataclass
class Answer:
    status: int
    body: Any
    headers: httpx.Headers


def _refusal(service: str, response: httpx.Response) -> Refused:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, str):
        detail = str(detail or response.reason_phrase)
    errors = body.get("errors") if isinstance(body, dict) and isinstance(body.get("errors"), list) else None
    return Refused(service, response.status_code, detail, errors)


class Services:
    def __init__(self, context: Context, tracer_provider: trace.TracerProvider) -> None:
        self._context = context
        urls = context.settings.services
        self._urls = {name: getattr(urls, name) for name in SERVICES}
        self._http = httpx.AsyncClient(timeout=urls.timeout_seconds)
        self._tracer = tracer_provider.get_tracer("terrain_console")

    async def close(self) -> None:
        await self._http.aclose()

    def token_for(self, person: Person) -> str:
        return self._context.issuer.issue(
            subject=person.member_id or person.user_id,
            name=person.name,
            role=person.role,
            member_id=person.member_id,
            lifetime=timedelta(seconds=self._context.settings.token_seconds),
        )

    async def call(self, person: Person, service: str, method: str, path: str, **kwargs: Any) -> Answer:
        """``method path`` on ``service`` as ``person``; raises Refused (4xx), Unavailable (5xx, network)."""
        headers = {"Authorization": f"Bearer {self.token_for(person)}", **kwargs.pop("headers", {})}
        started = time.perf_counter()
        outcome = "failed"
        with self._tracer.start_as_current_span(f"{method} {service}", kind=SpanKind.CLIENT) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("server.address", service)
            propagate.inject(headers)
            try:
                response = await self._http.request(
                    method, self._urls[service] + path, headers=headers, **kwargs
                )
                outcome = (
                    "ok"
                    if response.status_code < 400
                    else "refused"
                    if response.status_code < 500
                    else "failed"
                )
            except httpx.HTTPError as exc:
                raise Unavailable(service, type(exc).__name__) from exc
            finally:
                metrics.SERVICE_CALLS.labels(service, outcome).observe(time.perf_counter() - started)
            span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 500:
            raise Unavailable(service, f"answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(service, response)
        body = response.json() if response.content else None
        return Answer(response.status_code, body, response.headers)

    async def get(self, person: Person, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.call(person, service, "GET", path, params=clean)).body
