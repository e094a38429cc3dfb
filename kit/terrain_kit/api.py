"""What every service's routes share: who calls, the use case run for them in one transaction, reads,
versions as ETags, and domain refusals answered as JSON.

    Writer = Annotated[Call, Depends(call_for(Role.pm, Role.product_ops))]

    @router.put("/v1/briefings/{briefing_id}")
    async def edit(briefing_id: Id, body: BriefingEdit, call: Writer, version: IfMatch, response: Response):
        briefing = await call.run(handlers.edit, briefing_id, body, version)   # handlers.edit(uow, ...)
        etag(response, briefing.version)
        return briefing

Routes that need only the principal take an alias of :mod:`terrain_kit.auth` (``Reader``, ``Admin``...).
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from terrain_contracts import Role

from .auth import Principal, require
from .errors import DomainError, Invalid, StaleVersion
from .uow import UnitOfWork

T = TypeVar("T")
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


@dataclass(frozen=True)
class Call:
    """A write request: who makes it, and the way to run a use case for them."""

    request: Request
    principal: Principal

    @property
    def context(self) -> Any:
        """The service's context object (``app.state.context``): settings, clock, caches."""
        return self.request.app.state.context

    async def run(self, use_case: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """``use_case(uow, *args, **kwargs)`` in one transaction; its events publish after the commit.

        The transaction may be retried whole on a transient conflict: keep other side effects out of it."""
        return await self.request.app.state.service.transactions.run(
            lambda uow: use_case(uow, *args, **kwargs)
        )


def call_for(*roles: Role) -> Callable[..., Awaitable[Call]]:
    """The dependency of a write route open to ``roles`` (admin always passes; none: any valid identity):

    Writer = Annotated[Call, Depends(call_for(Role.pm, Role.product_ops))]
    """

    async def build(request: Request, principal: Annotated[Principal, Depends(require(*roles))]) -> Call:
        return Call(request, principal)

    return build


def reads(request: Request) -> UnitOfWork:
    return UnitOfWork.read_only(request.app.state.service.db)


def context(request: Request) -> Any:
    return request.app.state.context


# A unit of work without a transaction, for the store's read functions; it refuses to emit.
Reads = Annotated[UnitOfWork, Depends(reads)]


def if_match(
    value: Annotated[
        str | None,
        Header(alias="If-Match", description='The ETag (version) the change is based on, e.g. "3".'),
    ] = None,
) -> int | None:
    if value is None:
        return None
    found = _ETAG.match(value)
    if found is None:
        raise Invalid("If-Match", 'expected the ETag of one version, e.g. "3"')
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    """A :class:`DomainError` as its status, ``detail`` and, for invalid input, one entry per field."""
    assert isinstance(exc, DomainError)
    content: dict[str, Any] = {"detail": exc.reason}
    headers = {}
    if isinstance(exc, Invalid):
        content["errors"] = [error.model_dump() for error in exc.errors]
    if isinstance(exc, StaleVersion):
        content["current_version"] = exc.current
        headers["ETag"] = f'"{exc.current}"'
    return JSONResponse(status_code=exc.status, content=content, headers=headers)
