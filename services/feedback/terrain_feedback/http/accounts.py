"""The account registry. Any key reads; pm and product_ops change accounts (admin always passes)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from fastapi import APIRouter, Query, Response, status
from pydantic import Field
from terrain_contracts import Role
from terrain_contracts.events.account import Account
from terrain_kit.api import Call, Reads, caller
from terrain_kit.auth import Reader
from terrain_kit.errors import NotFound
from terrain_kit.pagination import Page

from ..handlers import accounts
from ..store import accounts as store

router = APIRouter(prefix="/v1", tags=["accounts"])

if TYPE_CHECKING:  # the kit builds the dependency at run time; to the type checker it is a Call
    AccountWriter: TypeAlias = Call
else:
    AccountWriter = caller(Role.pm, Role.product_ops)


class AccountView(Account):
    as_of: datetime = Field(description="When this state was current (event time or API write).")


def _account_view(doc: dict[str, Any]) -> AccountView:
    return AccountView.model_validate({k: doc[k] for k in AccountView.model_fields if k in doc})


@router.get("/accounts", response_model=Page[AccountView])
async def list_accounts(
    reads: Reads,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[AccountView]:
    docs, next_cursor = await store.page_of_accounts(reads, limit, cursor)
    return Page(items=[_account_view(d) for d in docs], next_cursor=next_cursor)


@router.get("/accounts/{account_id}", response_model=AccountView)
async def get_account(account_id: str, reads: Reads, principal: Reader) -> AccountView:
    doc = await store.get_account(reads, account_id)
    if doc is None:
        raise NotFound(f"no account {account_id}")
    return _account_view(doc)


@router.put("/accounts/{account_id}", response_model=AccountView)
async def put_account(account_id: str, account: Account, call: AccountWriter, reads: Reads) -> AccountView:
    """Create or replace an account; announced as account.updated. Later feedback is weighted with it."""
    await call.run(accounts.put_account, account_id, account)
    return await get_account(account_id, reads, call.principal)


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(account_id: str, call: AccountWriter) -> Response:
    """Remove from the registry; items keep the snapshot they were ingested with."""
    await call.run(accounts.delete_account, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
