"""The account registry. Any key reads (a rep: the accounts they cover); pm and product_ops change accounts
(admin always passes).

Every stored change moves an account's version (API writes and newer CRM events alike): GET answers it
as the ETag, a replace sends it back as If-Match (428 without, 412 when stale); creating needs none.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import Field
from terrain_contracts import Role
from terrain_contracts.events.account import Account
from terrain_kit.api import Call, IfMatch, Reads, call_for, etag
from terrain_kit.auth import REPS, Reader
from terrain_kit.errors import NotFound
from terrain_kit.pagination import Page

from ..domain.accounts import version_of
from ..handlers import accounts
from ..store import accounts as store

router = APIRouter(prefix="/v1", tags=["accounts"])

AccountWriter = Annotated[Call, Depends(call_for(Role.pm, Role.product_ops))]


class AccountView(Account):
    as_of: datetime = Field(description="When this state was current (event time or API write).")
    version: int = Field(description="Moves by one on every stored change; also the ETag.")


class AccountReplacement(Account):
    """An account to create or replace. What GET answers is accepted as it is: its read-only fields are
    ignored (the version a replace is based on is the If-Match header)."""

    as_of: datetime | None = Field(default=None, description="Read-only: ignored.")
    version: int | None = Field(default=None, description="Read-only: ignored; send If-Match.")

    def account(self) -> Account:
        return Account.model_validate(self.model_dump(exclude={"as_of", "version"}))


def _account_view(doc: dict[str, Any]) -> AccountView:
    fields = {k: doc[k] for k in Account.model_fields if k in doc}
    return AccountView.model_validate({**fields, "as_of": doc["as_of"], "version": version_of(doc)})


@router.get("/accounts", response_model=Page[AccountView])
async def list_accounts(
    reads: Reads,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[AccountView]:
    covered = principal.actor if principal.role in REPS else None
    docs, next_cursor = await store.page_of_accounts(reads, limit, cursor, covered_by=covered)
    return Page(items=[_account_view(d) for d in docs], next_cursor=next_cursor)


@router.get("/accounts/{account_id}", response_model=AccountView)
async def get_account(account_id: str, reads: Reads, principal: Reader, response: Response) -> AccountView:
    """The account and, as its ETag, the version a replace sends back as If-Match."""
    doc = await store.get_account(reads, account_id)
    rep = principal.role in REPS
    if doc is None or (rep and doc.get("owner_rep_email") != principal.actor):  # a rep: theirs only
        raise NotFound(f"no account {account_id}")
    view = _account_view(doc)
    etag(response, view.version)
    return view


@router.put(
    "/accounts/{account_id}",
    response_model=AccountView,
    responses={
        412: {"description": "If-Match names another version than the current one (or none is stored)"},
        428: {"description": "the account exists: send If-Match with the version (ETag) you read"},
    },
)
async def put_account(
    account_id: str,
    body: AccountReplacement,
    call: AccountWriter,
    version: IfMatch,
    reads: Reads,
    response: Response,
) -> AccountView:
    """Create (no If-Match) or replace (If-Match: the ETag read) an account; announced as account.updated.
    Later feedback is weighted with it."""
    await call.run(accounts.put_account, account_id, body.account(), version)
    return await get_account(account_id, reads, call.principal, response)


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(account_id: str, call: AccountWriter) -> Response:
    """Remove from the registry; items keep the snapshot they were ingested with."""
    await call.run(accounts.delete_account, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
