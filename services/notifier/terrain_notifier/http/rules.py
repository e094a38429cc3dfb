"""Routing rules by API (YAML or JSON bodies) and the dry-run: who would receive this insight, and why."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from terrain_contracts import Role
from terrain_contracts.events.insight import Insight
from terrain_kit.auth import Principal, require

from ..domain.rules import Rules, RulesError
from ..handlers import insights
from ..handlers import rules as rules_handlers
from ..store import directory as config
from . import ctx_of, invalid, reader, service_of

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


async def _parsed(request: Request) -> tuple[Rules, list[str]] | JSONResponse:
    allow = ctx_of(request).settings.ssrf_allow
    try:
        rules = rules_handlers.parse_text((await request.body()).decode("utf-8"), allow, empty_allowed=False)
        return rules, await rules_handlers.validate(rules, allow)
    except UnicodeDecodeError:
        return invalid([{"field": "(document)", "message": "not UTF-8 text"}])
    except RulesError as exc:
        return invalid(exc.errors)


@router.get("/v1/rules", dependencies=[Depends(require(Role.pm, Role.product_ops, Role.director))])
async def get_rules(request: Request) -> dict[str, Any]:
    """The live routing rules (webhook secrets masked), their version and where they came from."""
    record = await config.rules_record(reader(request)) or {}
    return {
        "version": record.get("version", 0),
        "source": record.get("source"),
        "updated_by": record.get("updated_by"),
        "updated_at": record.get("updated_at"),
        "rules": rules_handlers.masked(await config.rules(reader(request))),
    }


@router.put("/v1/rules", openapi_extra=RULES_BODY)
async def put_rules(request: Request, principal: Principal = Depends(require(Role.product_ops))) -> Any:
    """Replace the routing rules (YAML or JSON body). Validated first: 422 names every bad field."""
    parsed = await _parsed(request)
    if isinstance(parsed, JSONResponse):
        return parsed
    rules, warnings = parsed
    now = ctx_of(request).clock()
    version = await service_of(request).transactions.run(
        lambda uow: config.save_rules(uow, rules, "api", principal.actor, now)
    )
    return {"version": version, "warnings": warnings, "rules": rules_handlers.masked(rules)}


@router.post(
    "/v1/rules/validate",
    openapi_extra=RULES_BODY,
    dependencies=[Depends(require(Role.pm, Role.product_ops, Role.director))],
)
async def validate_rules(request: Request) -> Any:
    """Validate rules without applying them (for CI of a rules repository)."""
    parsed = await _parsed(request)
    if isinstance(parsed, JSONResponse):
        return parsed
    return {"valid": True, "warnings": parsed[1]}


@router.post("/v1/routing/dry-run", dependencies=[Depends(require(Role.pm, Role.product_ops, Role.director))])
async def dry_run(insight: Insight, request: Request) -> dict[str, Any]:
    """Who would receive this insight, and why (reasons, channels, timing). Records nothing."""
    ctx = ctx_of(request)
    return await insights.dry_run(reader(request), ctx, insight, ctx.clock())
