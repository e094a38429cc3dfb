"""The delivery tracker: link an existing issue, read the link, and the tracker's signed webhooks."""

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.types import Id
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.errors import Conflict, Invalid, NotFound, StaleVersion

from ..domain.tracker import NotAuthentic, NotUnderstood, Tracker, TrackerError
from ..handlers import tracker as handlers
from ..handlers.briefings import load
from ..jobs.tracker.metrics import LINKS, WEBHOOKS
from ..jobs.tracker.sync import TrackerSync
from ..store import tracker as store
from .acting import Writer

log = logging.getLogger(__name__)
router = APIRouter(tags=["tracker"])
_LENGTH = re.compile(r"[0-9]{1,18}")
# A webhook racing a pm's edit of the same initiative finds a newer version: read it again and apply.
_STALE_RETRIES = 3


class IssueLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issue_key: Annotated[str, Field(min_length=1, max_length=128, description="e.g. TRN-42")]


def _sync(request: Request) -> TrackerSync:
    sync: TrackerSync = request.app.state.tracker
    return sync


def _link_view(doc: dict[str, Any], sync: dict[str, Any] | None) -> dict[str, Any]:
    link = doc.get("tracker")
    creation = None
    if sync is not None:
        creation = {k: sync.get(k) for k in ("state", "attempts", "last_error")}
    return {"initiative_id": doc["_id"], "status": doc["status"], "tracker": link, "creation": creation}


@router.put(
    "/v1/initiatives/{initiative_id}/tracker",
    summary="Link an existing tracker issue (no issue is then created on commit).",
    responses={
        409: {"description": "linked to another issue, or no tracker"},
        422: {"description": "no such issue"},
        503: {"description": "the tracker could not be reached: try again"},
    },
)
async def link(initiative_id: Id, body: IssueLink, call: Writer, response: Response) -> dict[str, Any]:
    tracker = _sync(call.request).tracker
    if tracker is None:
        raise Conflict("no issue tracker is configured (INITIATIVES_TRACKER__KIND)")
    try:
        ref = await tracker.link(body.issue_key)  # outside the transaction: a call to the tracker
    except TrackerError as error:
        if error.retryable:
            return JSONResponse(status_code=503, content={"detail": error.reason})  # type: ignore[return-value]
        raise Invalid("issue_key", error.reason) from error
    doc, linked = await call.run(handlers.link, initiative_id, tracker.name, ref)
    if linked:
        LINKS.labels(tracker.name).inc()
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return _link_view(doc, None)


@router.get(
    "/v1/initiatives/{initiative_id}/tracker", summary="The initiative's tracker issue and its creation."
)
async def read_link(initiative_id: Id, principal: Reader, reads: Reads) -> dict[str, Any]:
    doc = await load(reads, initiative_id)
    return _link_view(doc, await store.get(reads, initiative_id))


class Refused(Exception):
    def __init__(self, status: int, outcome: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.outcome, self.detail, self.field = status, outcome, detail, field

    def response(self) -> JSONResponse:
        content: dict[str, Any] = {"detail": self.detail}
        if self.field:
            content["errors"] = [{"field": self.field, "message": self.detail}]
        headers = {"WWW-Authenticate": "Signature"} if self.status == 401 else None
        return JSONResponse(status_code=self.status, content=content, headers=headers)


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to exceed ``limit``: by its length or while read."""
    declared = request.headers.get("content-length", "")
    if not _LENGTH.fullmatch(declared) and declared:
        raise Refused(413, "too_large", f"body over {limit} bytes")
    if declared and int(declared) > limit:
        raise Refused(413, "too_large", f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "too_large", f"body over {limit} bytes")
    return bytes(body)


async def _apply(request: Request, tracker: Tracker, body: bytes) -> str:
    sync = _sync(request)
    try:
        tracker.verify({k.lower(): v for k, v in request.headers.items()}, body)
        change = tracker.parse_webhook(body)
    except NotAuthentic as exc:
        raise Refused(401, "unauthorized", str(exc)) from exc
    except NotUnderstood as exc:
        raise Refused(400, "invalid", exc.reason, exc.field) from exc
    if change is None:
        return "ignored"
    now = sync.context.now().timestamp()
    if (
        change.sent_at is not None
        and not abs(now - change.sent_at) <= sync.settings.webhook_tolerance_seconds
    ):
        raise Refused(401, "unauthorized", "the webhook's timestamp is outside the tolerance (replayed?)")
    status_map = {k.lower(): v for k, v in sync.settings.jira.status_map.items()}
    transactions = request.app.state.service.transactions
    for attempt in range(_STALE_RETRIES):
        try:
            outcome: str = await transactions.run(
                lambda uow: handlers.apply_status(uow, sync.context, tracker.name, change, status_map)
            )
            break
        except StaleVersion:
            if attempt == _STALE_RETRIES - 1:
                raise
    if outcome == "unknown_issue":
        log.warning(
            "tracker webhook for an issue no initiative is linked to", extra={"issue": change.issue_key}
        )
    else:
        log.info(
            "tracker webhook", extra={"issue": change.issue_key, "status": change.status, "outcome": outcome}
        )
    return outcome


@router.post(
    "/v1/webhooks/{tracker_name}",
    summary="The tracker's webhook (Jira: X-Hub-Signature, sha256 HMAC of the body with the secret).",
    responses={
        400: {"description": "signed but not the documented shape, the field named"},
        401: {"description": "unsigned, forged or stale"},
        404: {"description": "not the configured tracker"},
        413: {"description": "body over the cap"},
    },
)
async def webhook(request: Request, tracker_name: Annotated[str, Path(max_length=32)]) -> JSONResponse:
    sync = _sync(request)
    tracker = sync.tracker
    if tracker is None or tracker.name != tracker_name:
        raise NotFound(f"no {tracker_name[:32]} webhook: the configured tracker is {sync.settings.kind}")
    try:
        body = await read_capped(request, sync.settings.webhook_max_body_bytes)
        outcome = await _apply(request, tracker, body)
    except Refused as refused:
        WEBHOOKS.labels(tracker.name, refused.outcome).inc()
        return refused.response()
    WEBHOOKS.labels(tracker.name, outcome).inc()
    return JSONResponse(status_code=200, content={"outcome": outcome})
