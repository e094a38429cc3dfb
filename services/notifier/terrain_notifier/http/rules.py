"""Routing rules by API (YAML or JSON bodies) and the dry-run: who would receive this insight, and why."""

from typing import Any

from fastapi import APIRouter, Request
from terrain_contracts.events.insight import Insight
from terrain_kit.api import Reads

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


async def _parsed(request: Request, context: Context) -> tuple[Rules, list[str]]:
    """The rules in the body, validated (422 names every bad field), and the warnings of their check."""
    parsed = rules.parse_body(await request.body(), context.ssrf_allow)
    return parsed, await rules.validate(context, parsed)


@router.get("/v1/rules")
async def get_rules(uow: Reads, principal: Viewer) -> dict[str, Any]:
    """The live routing rules (webhook secrets masked), their version and where they came from."""
    record = await directory.rules_record(uow) or {}
    return {
        "version": record.get("version", 0),
        "source": record.get("source"),
        "updated_by": record.get("updated_by"),
        "updated_at": record.get("updated_at"),
        "rules": rules.masked(await directory.rules(uow)),
    }


@router.put("/v1/rules", openapi_extra=RULES_BODY)
async def put_rules(request: Request, call: ProductOpsCall) -> dict[str, Any]:
    """Replace the routing rules (YAML or JSON body). Validated first: 422 names every bad field."""
    parsed, warnings = await _parsed(request, call.context)
    version = await call.run(rules.replace, call.context, parsed, call.principal.actor)
    return {"version": version, "warnings": warnings, "rules": rules.masked(parsed)}


@router.post("/v1/rules/validate", openapi_extra=RULES_BODY)
async def validate_rules(request: Request, context: ContextOf, principal: Viewer) -> dict[str, Any]:
    """Validate rules without applying them (for CI of a rules repository)."""
    _, warnings = await _parsed(request, context)
    return {"valid": True, "warnings": warnings}


@router.post("/v1/routing/dry-run")
async def dry_run(insight: Insight, uow: Reads, context: ContextOf, principal: Viewer) -> dict[str, Any]:
    """Who would receive this insight, and why (reasons, channels, timing). Records nothing."""
    return await insights.dry_run(uow, context, insight, context.now())
