"""POST /v1/webhooks/<vendor>: cap the body, verify the signature, map, ingest, answer once stored.

Vendors authenticate with their signature, not an API key. 2xx means the item and
its feedback.ingested are committed (a vendor retry of an answered delivery is a
no-op); 401 bad or stale signature, or a timestamp that is not one (whatever the header
holds: never a 5xx); 413 body over the cap, unread; 400 not JSON, or not UTF-8 under a
valid signature; 422 a field the contract refuses, named as the vendor calls it.
"""

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from terrain_contracts.events.feedback import FeedbackSubmittedData, IntakeChannel
from terrain_contracts.types import field_errors

from .. import metrics
from ..domain.items import Decision, Outcome
from ..domain.webhooks.payloads import MAPPERS, ORIGINS, WrongType
from ..domain.webhooks.signatures import VERIFIERS, BodyNotText, SignedRequest, Unauthorized
from ..handlers import intake
from ..handlers.context import Context
from ..handlers.intake import Submission
from ..settings import WebhookSettings
from ..store.items import CONFLICTS

ATTEMPTS = 3
_LENGTH = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() also takes "²", which int() refuses

DESCRIPTIONS = {
    "zendesk": "Zendesk trigger or ticket-event webhook (X-Zendesk-Webhook-Signature).",
    "intercom": "Intercom notification for conversation.user.created (X-Hub-Signature, sha1).",
    "hubspot": "HubSpot workflow webhook on a ticket (X-HubSpot-Signature-v3).",
    "salesforce": "Salesforce Flow/Apex callout with a Case or feedback record (X-Terrain-Signature).",
    "standard": "Any tool following the Standard Webhooks spec; data is the feedback.submitted contract.",
}


class Refused(Exception):
    def __init__(
        self, status: int, result: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.result, self.detail, self.errors = status, result, detail, errors or []

    def response(self) -> JSONResponse:
        content: dict[str, Any] = {"detail": self.detail}
        if self.errors:
            content["errors"] = self.errors
        headers = {"WWW-Authenticate": "Signature"} if self.status == 401 else None
        return JSONResponse(status_code=self.status, content=content, headers=headers)


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to exceed ``limit``: by its length or while read."""
    declared = request.headers.get("content-length", "")
    # More than 18 digits is over any cap, and int() refuses past 4,300: decided before converting.
    if _LENGTH.fullmatch(declared) and (len(declared) > 18 or int(declared) > limit):
        raise Refused(413, "too_large", f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "too_large", f"body over {limit} bytes")
    return bytes(body)


def signed_url(request: Request, public_base_url: str | None) -> str:
    if not public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public_base_url.rstrip('/')}{request.url.path}{query}"


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Refused(
            400,
            "invalid",
            "body is not valid JSON",
            [{"field": "body", "message": f"not valid UTF-8 JSON: {str(exc)[:200]}"}],
        ) from exc


def to_contract(vendor: str, payload: Any, source: str | None) -> FeedbackSubmittedData | None:
    try:
        mapped = MAPPERS[vendor](payload, source)
    except WrongType as exc:
        raise Refused(
            422, "invalid", "not a feedback.submitted delivery", [{"field": "type", "message": str(exc)}]
        ) from exc
    if mapped is None:
        return None
    try:
        return FeedbackSubmittedData.model_validate(mapped)
    except ValidationError as exc:
        errors = []
        for error in field_errors(exc.errors()):
            head = error.field.split(".")[0]
            origin = ORIGINS[vendor].get(head)
            prefix = "data." if vendor == "standard" else ""
            field = origin if origin else f"{prefix}{error.field}"
            errors.append({"field": field, "message": f"{error.message} (contract field {error.field})"})
        raise Refused(
            422, "invalid", f"invalid {vendor} payload: {', '.join(e['field'] for e in errors)}", errors
        ) from exc


async def ingest_now(request: Request, submission: Submission) -> Decision:
    """Store one submission with its feedback.ingested in one transaction; 2xx may follow."""
    context: Context = request.app.state.context
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await request.app.state.service.transactions.run(
                lambda uow: intake.ingest_one(uow, context, submission)
            )
        except CONFLICTS:
            # Another replica stored the same item meanwhile: deciding again sees it (edit or replay).
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def verified(request: Request, vendor: str, hooks: WebhookSettings) -> bytes:
    """The body, once capped and its signature checked with one of the vendor's secrets."""
    body = await read_capped(request, hooks.max_body_bytes)
    secrets = [s.get_secret_value() for s in getattr(hooks, vendor).secrets]
    if not secrets:
        raise Refused(401, "unauthorized", f"the {vendor} webhook has no secret configured")
    signed = SignedRequest(
        request.method,
        signed_url(request, hooks.public_base_url),
        {k.lower(): v for k, v in request.headers.items()},
        body,
    )
    try:
        VERIFIERS[vendor](signed, secrets, time.time(), hooks.tolerance_seconds)
    except Unauthorized as exc:
        raise Refused(401, "unauthorized", str(exc)) from exc
    except BodyNotText as exc:  # the signature is right: the body is what is wrong
        raise Refused(400, "invalid", "body is not UTF-8", [{"field": "body", "message": str(exc)}]) from exc
    return body


async def receive(request: Request, vendor: str) -> JSONResponse:
    hooks: WebhookSettings = request.app.state.context.webhooks
    configured = getattr(hooks, vendor).source
    # The generic endpoint keeps the producer's own source unless one is configured for it.
    source = configured or (None if vendor == "standard" else vendor)
    try:
        body = await verified(request, vendor, hooks)
        data = to_contract(vendor, parse_json(body), source)
        if data is None:
            metrics.WEBHOOKS.labels(vendor, "ignored").inc()
            return JSONResponse({"outcome": "ignored"})
        decision = await ingest_now(request, Submission(data, IntakeChannel.webhook))
        if decision.outcome is Outcome.rejected:
            errors = [e.model_dump() for e in decision.errors]
            raise Refused(422, "invalid", "the feedback is empty once normalised", errors)
    except Refused as refused:
        metrics.WEBHOOKS.labels(vendor, refused.result).inc()
        return refused.response()
    metrics.WEBHOOKS.labels(vendor, "accepted").inc()
    return JSONResponse(
        {
            "feedback_id": decision.feedback_id,
            "revision": decision.revision,
            "outcome": decision.outcome.value,
        }
    )


def endpoint(vendor: str) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def receive_from_vendor(request: Request) -> JSONResponse:
        return await receive(request, vendor)

    return receive_from_vendor


router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
for _vendor in VERIFIERS:
    router.add_api_route(
        f"/{_vendor}",
        endpoint(_vendor),
        methods=["POST"],
        name=f"webhook_{_vendor}",
        summary=DESCRIPTIONS[_vendor],
        responses={
            400: {"description": "body is not JSON (or not UTF-8), named `body`"},
            401: {"description": "bad or stale signature, or a timestamp that is not one"},
            413: {"description": "body over the cap"},
            422: {"description": "a field is missing or invalid"},
        },
    )
