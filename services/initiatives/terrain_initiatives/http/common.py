"""What every router shares: the acting person, the unit-of-work runner, versions as ETags, errors."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from terrain_contracts import Role
from terrain_kit.auth import Principal, require
from terrain_kit.uow import UnitOfWork

from .. import metrics
from ..domain.access import Actor
from ..domain.errors import DomainError, Invalid, StaleVersion
from ..handlers import Context
from ..store import reader

T = TypeVar("T")
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def actor_of(principal: Principal) -> Actor:
    return Actor(role=principal.role, member_id=principal.member_id, name=principal.actor)


def context(request: Request) -> Context:
    return request.app.state.context


def reads(request: Request) -> UnitOfWork:
    return reader(request.app.state.service.db)


@dataclass(frozen=True)
class Call:
    """A write request: who makes it, and the way to run a use case for them."""

    request: Request
    actor: Actor
    ctx: Context

    async def run(self, use_case: Callable[..., Awaitable[T]], *args: Any) -> T:
        """``use_case(uow, actor, ctx, *args)`` in one transaction; its events publish after the commit."""
        return await self.request.app.state.service.transactions.run(
            lambda uow: use_case(uow, self.actor, self.ctx, *args)
        )


def caller(*roles: Role) -> Any:
    """The dependency for a write route open to ``roles`` (admin always passes)."""

    async def build(request: Request, principal: Annotated[Principal, Depends(require(*roles))]) -> Call:
        return Call(request, actor_of(principal), context(request))

    return Annotated[Call, Depends(build)]


def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description=('The ETag (version) the change is based on, e.g. "3". Required on briefing writes.'),
        ),
    ] = None,
) -> int | None:
    if value is None:
        return None
    found = _ETAG.match(value)
    if found is None:
        raise Invalid("If-Match", 'expected the ETag of one version, e.g. "3"')
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]
Ctx = Annotated[Context, Depends(context)]
Reads = Annotated[UnitOfWork, Depends(reads)]


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    metrics.REFUSALS.labels(str(exc.status)).inc()
    content: dict[str, Any] = {"detail": exc.reason}
    headers = {}
    if isinstance(exc, Invalid):
        content["errors"] = [{"field": exc.field, "message": exc.message}]
    if isinstance(exc, StaleVersion):
        content["current_version"] = exc.current
        headers["ETag"] = f'"{exc.current}"'
    return JSONResponse(status_code=exc.status, content=content, headers=headers)
