"""Routing rules by API (YAML or JSON bodies) and the dry-run: who would receive this insight, and why."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from terrain_contracts.events.insight import Insight
from terrain_kit.api import IfMatch, Reads, etag
from terrain_kit.errors import check_version

from ..domain.rules import Rules
from ..handlers import insights, rules
from ..handlers.context import Context
from ..store import directory
from .access import ContextOf, ProductOpsCall, Viewer

router = APIRouter(tags=["routing"])
RULES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": Rules.model_json_schema()},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


AllowEmpty = Annotated[
    bool, Query(description="Accept a document without any rule: it removes every route and endpoint.")
]


async def _parsed(
    request: Request, context: Context, allow_empty: bool, stored: Rules | None = None
) -> tuple[Rules, list[str]]:
    """The rules in the body, validated (422 names every bad field), and the warnings of their check."""
    parsed = rules.parse_body(
        await request.body(), context.ssrf_allow, allow_empty=allow_empty, stored=stored
    )
    return parsed, await rules.validate(context, parsed)


@router.get("/v1/rules")
async def get_rules(uow: Reads, principal: Viewer, response: Response) -> dict[str, Any]:
    """The live routing rules (webhook secrets masked), their version (also the ETag) and where they came
    from. What it answers under ``rules`` can be PUT back as it is: a masked secret keeps the stored one."""
    record = await directory.rules_record(uow) or {}
    version = record.get("version", 0)
    etag(response, version)
    return {
        "version": version,
        "source": record.get("source"),
        "updated_by": record.get("updated_by"),
        "updated_at": record.get("updated_at"),
        "rules": rules.masked(await directory.rules(uow)),
    }


@router.put("/v1/rules", openapi_extra=RULES_BODY)
async def put_rules(
    request: Request,
    call: ProductOpsCall,
    uow: Reads,
    version: IfMatch,
    response: Response,
    allow_empty: AllowEmpty = False,
) -> dict[str, Any]:
    """Replace the routing rules (YAML or JSON body) based on the version in If-Match (428 without it, 412
    when stale). Validated first: 422 names every bad field; an empty document only with allow_empty."""
    check_version(await directory.rules_version(uow), version)  # early; checked again in the transaction
    stored = await directory.rules(uow)
    parsed, warnings = await _parsed(request, call.context, allow_empty, stored)
    saved = await call.run(rules.replace, call.context, parsed, call.principal.actor, version)
    etag(response, saved)
    return {"version": saved, "warnings": warnings, "rules": rules.masked(parsed)}


@router.post("/v1/rules/validate", openapi_extra=RULES_BODY)
async def validate_rules(
    request: Request, context: ContextOf, principal: Viewer, allow_empty: AllowEmpty = False
) -> dict[str, Any]:
    """Validate rules without applying them (for CI of a rules repository)."""
    _, warnings = await _parsed(request, context, allow_empty)
    return {"valid": True, "warnings": warnings}


@router.post("/v1/routing/dry-run")
async def dry_run(insight: Insight, uow: Reads, context: ContextOf, principal: Viewer) -> dict[str, Any]:
    """Who would receive this insight, and why (reasons, channels, timing). Records nothing."""
    return await insights.dry_run(uow, context, insight, context.now())
