"""The notifier's HTTP API: rules, dry-run, preferences, subscriptions, inbox, deliveries, loops."""

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from terrain_contracts import Role
from terrain_kit.auth import Principal
from terrain_kit.service import Service

from ..handlers import Context
from ..store import Reader


def service_of(request: Request) -> Service:
    return request.app.state.service


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx


def reader(request: Request) -> Reader:
    return Reader(service_of(request).db)


def own_or_product_ops(principal: Principal, member_id: str) -> None:
    """A member manages their own settings; Product Ops (and admins) manage anyone's."""
    if principal.member_id != member_id and principal.role not in (Role.product_ops, Role.admin):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this key acts for {principal.member_id or 'no member'}, not {member_id}; "
            "only product_ops may manage other members",
        )


def member_of(principal: Principal) -> str:
    if principal.member_id is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the inbox needs an API key that belongs to a member (create it with member_id)",
        )
    return principal.member_id


def invalid(errors: list[dict[str, str]]) -> JSONResponse:
    """The kit's 422 shape: a summary naming the fields, then one message per field."""
    fields = ", ".join(e["field"] for e in errors)
    return JSONResponse(status_code=422, content={"detail": f"invalid: {fields}", "errors": errors})
