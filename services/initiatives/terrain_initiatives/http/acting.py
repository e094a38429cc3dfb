"""The initiatives' write call: the kit's :class:`terrain_kit.api.Call`, with the person it acts for.

Initiatives' use cases take ``(uow, actor, context, ...)``: the actor is what histories and
events record as the author, and who the team rules (a pm of the team) are checked against.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from terrain_contracts import Role
from terrain_kit import api
from terrain_kit.auth import Principal, require

from .. import metrics
from ..domain.access import Actor
from ..handlers.context import Context

T = TypeVar("T")


def actor_of(principal: Principal) -> Actor:
    return Actor(role=principal.role, member_id=principal.member_id, name=principal.actor)


class Call(api.Call):
    """The kit's call, running this service's use cases with the acting person and the context."""

    @property
    def actor(self) -> Actor:
        return actor_of(self.principal)

    async def run(self, use_case: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """``use_case(uow, actor, context, *args, **kwargs)`` in one transaction."""
        return await super().run(use_case, self.actor, self.context, *args, **kwargs)


def _calling(*roles: Role) -> Callable[..., Awaitable[Call]]:
    """The dependency building this service's :class:`Call` on the kit's, for a route open to ``roles``."""

    async def build(request: Request, principal: Annotated[Principal, Depends(require(*roles))]) -> Call:
        return Call(request, principal)

    return build


# A write route's parameter says who may call it (admin always passes): ``call: Writer``.
Writer = Annotated[Call, Depends(_calling(Role.pm, Role.product_ops))]  # pms of the team, Product Ops
Runner = Annotated[Call, Depends(_calling(Role.product_ops))]  # who runs planning: teams, cycles, ballots
Voter = Annotated[Call, Depends(_calling(Role.director))]


# The service's context, for reads that need the clock (overdue flags are relative to today).
Ctx = Annotated[Context, Depends(api.context)]


async def refused(request: Request, exc: Exception) -> JSONResponse:
    """The kit's answer to a domain refusal, counted by status."""
    metrics.REFUSALS.labels(str(getattr(exc, "status", 400))).inc()
    return await api.domain_error(request, exc)
