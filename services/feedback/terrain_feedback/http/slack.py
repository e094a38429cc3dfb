"""POST /v1/slack/capture: a Slack message shortcut or the /feedback slash command becomes feedback.

Authenticated by Slack's request signature (v0, the app's signing secret; 401 unsigned, forged or more
than ``WEBHOOKS__TOLERANCE_SECONDS`` old), body capped before it is read (413). The item is stored in one
transaction with its feedback.ingested; then the answer goes to Slack's ``response_url`` (in the thread of
the captured message), only if that URL starts with one of ``SLACK__RESPONSE_URL_PREFIXES``.
"""

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from terrain_contracts.events.feedback import FeedbackKind, FeedbackSubmittedData, IntakeChannel
from terrain_contracts.types import utcnow

from .. import metrics
from ..domain.capture import NotCapturable, SlackCapture, slack_capture, slack_reporter
from ..domain.items import Outcome
from ..domain.webhooks.signatures import SignedRequest, Unauthorized, verify_slack
from ..handlers.context import Context
from ..handlers.intake import Submission
from .logged import store_logged
from .webhooks import Refused, read_capped

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/slack", tags=["slack"])


def verified(request: Request, body: bytes, context: Context) -> None:
    secrets = [s.get_secret_value() for s in context.slack.signing_secrets]
    if not secrets:
        raise Refused(401, "unauthorized", "Slack capture has no signing secret configured")
    headers = {k.lower(): v for k, v in request.headers.items()}
    signed = SignedRequest(request.method, str(request.url), headers, body)
    try:
        verify_slack(signed, secrets, time.time(), context.webhooks.tolerance_seconds)
    except Unauthorized as exc:
        raise Refused(401, "unauthorized", str(exc)) from exc


def parse_form(body: bytes) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Slack posts form-encoded fields; interactivity puts its JSON in ``payload``."""
    try:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=100))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "invalid", "not a form", [{"field": "body", "message": str(exc)[:200]}]) from exc
    if "payload" not in form:
        return form, None
    try:
        payload = json.loads(form["payload"])
    except (ValueError, RecursionError) as exc:
        raise Refused(
            400, "invalid", "payload is not JSON", [{"field": "payload", "message": "not JSON"}]
        ) from exc
    if not isinstance(payload, dict):
        raise Refused(
            422, "invalid", "payload is not an object", [{"field": "payload", "message": "not an object"}]
        )
    return form, payload


def submission_of(capture: SlackCapture, context: Context) -> Submission:
    data = FeedbackSubmittedData(
        source=context.slack.source,
        external_id=capture.external_id[:256],
        kind=FeedbackKind.field,
        reporter=slack_reporter(capture, context.slack.users),
        customer=capture.customer,
        text=capture.text[:20_000],
        occurred_at=utcnow(),
    )
    return Submission(data, IntakeChannel.api)


def allowed(url: str | None, prefixes: list[str]) -> bool:
    return bool(url) and any((url or "").startswith(prefix) for prefix in prefixes)


async def answer(response_url: str, message: dict[str, Any]) -> None:
    """Post the answer to Slack (after our 200: Slack wants one within 3 s). A failure is logged: the
    item is stored either way, and Slack's response_url is not retried by Slack."""
    try:
        async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as client:
            reply = await client.post(response_url, json=message)
        if reply.status_code >= 300:
            log.warning("Slack refused the answer", extra={"status": reply.status_code})
    except httpx.HTTPError as exc:
        log.warning("could not answer Slack", extra={"error": str(exc)})


def message_for(capture: SlackCapture, feedback_id: str, created: bool) -> dict[str, Any]:
    said = "Logged as feedback" if created else "Already logged as feedback"
    message: dict[str, Any] = {
        "response_type": "ephemeral" if capture.thread_ts is None else "in_channel",
        "replace_original": False,
        "text": f"{said} ({feedback_id}). You can follow it in Terrain under My feedback.",
    }
    if capture.thread_ts:
        message["thread_ts"] = capture.thread_ts
    return message


@router.post(
    "/capture",
    summary="Slack message shortcut or /feedback slash command (X-Slack-Signature, v0).",
    responses={
        400: {"description": "not a form, or payload not JSON"},
        401: {"description": "unsigned, forged or stale"},
        413: {"description": "body over the cap"},
        422: {"description": "nothing to log, the field named"},
    },
)
async def capture(request: Request, background: BackgroundTasks) -> JSONResponse:
    context: Context = request.app.state.context
    try:
        body = await read_capped(request, context.webhooks.max_body_bytes)
        verified(request, body, context)
        form, payload = parse_form(body)
        try:
            captured = slack_capture(form, payload)
        except NotCapturable as exc:
            raise Refused(422, "invalid", str(exc), [{"field": exc.field, "message": str(exc)}]) from exc
        done = await store_logged(request, submission_of(captured, context))
        if done.decision.outcome in (Outcome.rejected, Outcome.erased):
            errors = [e.model_dump() for e in done.decision.errors] or [
                {"field": "text", "message": "erased"}
            ]
            raise Refused(422, "invalid", "nothing to log", errors)
    except Refused as refused:
        metrics.WEBHOOKS.labels("slack", refused.result).inc()
        return refused.response()
    metrics.WEBHOOKS.labels("slack", "accepted").inc()
    feedback_id = done.decision.feedback_id or ""
    if allowed(captured.response_url, context.slack.response_url_prefixes):
        background.add_task(
            answer, captured.response_url or "", message_for(captured, feedback_id, done.created)
        )
    # Slack shows nothing for an empty 200 of a shortcut; a slash command shows this text to the user.
    return JSONResponse({"response_type": "ephemeral", "text": "Logging it…", "feedback_id": feedback_id})
