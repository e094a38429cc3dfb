"""Who may act on whose behalf, and the service's context as a route parameter."""

from typing import Annotated

from fastapi import Depends
from terrain_contracts import Role
from terrain_kit.api import Call, call_for, context
from terrain_kit.auth import Principal, require
from terrain_kit.errors import Forbidden

from ..handlers.context import Context

# The notifier's Context (app.state.context), for routes that read.
ContextOf = Annotated[Context, Depends(context)]

# Who may call, as route parameter types (admin always passes). Sets of roles the kit's aliases
# (Reader, Writer, ProductOps, Director, Admin) do not name are spelt here once.
Member = Annotated[Call, Depends(call_for())]  # any valid key: routes check whose data it is
ProductOpsCall = Annotated[Call, Depends(call_for(Role.product_ops))]
Viewer = Annotated[Principal, Depends(require(Role.pm, Role.product_ops, Role.director))]
Ops = Annotated[Principal, Depends(require(Role.product_ops, Role.director))]


def own_or_product_ops(principal: Principal, member_id: str) -> None:
    """A member manages their own settings; Product Ops (and admins) manage anyone's."""
    if principal.member_id != member_id and principal.role not in (Role.product_ops, Role.admin):
        raise Forbidden(
            f"this key acts for {principal.member_id or 'no member'}, not {member_id}; "
            "only product_ops may manage other members"
        )


def member_of(principal: Principal) -> str:
    """The member whose inbox this is: the key must belong to one."""
    if principal.member_id is None:
        raise Forbidden("the inbox needs an API key that belongs to a member (create it with member_id)")
    return principal.member_id
