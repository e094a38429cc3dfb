"""The feedback API: list, search and get items; the account registry; erasure requests.

Roles: any key reads (viewer and up); pm and product_ops change accounts;
product_ops erases (admin always passes). Webhooks authenticate by signature instead.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, model_validator
from terrain_contracts import Role
from terrain_contracts.events.account import Account
from terrain_contracts.events.feedback import CustomerRef, FeedbackIngestedData, FeedbackKind
from terrain_contracts.types import Email, Id, Reason, Slug
from terrain_kit.auth import Principal, require
from terrain_kit.pagination import Page, page
from terrain_kit.uow import UnitOfWork

from . import handlers, store
from .domain.items import Status

router = APIRouter(prefix="/v1")

readers = Depends(require())


def _not_a_number(value: Any) -> Any:
    try:
        float(value)
    except (TypeError, ValueError):
        return value
    raise ValueError("must be an ISO 8601 date-time such as 2026-11-20T09:00:00Z, not a number")


# What the document says (format date-time): pydantic alone also reads "0.5" as seconds since 1970.
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
account_writers = require(Role.pm, Role.product_ops)
erasers = require(Role.product_ops)


class FeedbackView(FeedbackIngestedData):
    """An item as stored: the latest ingested revision plus where it stands."""

    status: Status
    shipped_in: list[Id] = Field(default_factory=list, description="Initiatives that shipped what it asks.")
    account_id: Id | None = Field(default=None, description="The account it is filed under (even unknown).")
    customer: CustomerRef
    first_ingested_at: datetime


class AccountView(Account):
    as_of: datetime = Field(description="When this state was current (event time or API write).")


def _feedback_view(doc: dict[str, Any]) -> FeedbackView:
    return FeedbackView.model_validate(
        {k: doc.get(k) for k in FeedbackView.model_fields if k in doc}, extra="ignore"
    )


def _account_view(doc: dict[str, Any]) -> AccountView:
    return AccountView.model_validate({k: doc[k] for k in AccountView.model_fields if k in doc})


async def _one(request: Request, collection: str, identifier: str, what: str) -> dict[str, Any]:
    doc = await request.app.state.service.db[collection].find_one({"_id": identifier})
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} {identifier}")
    return doc


@router.get("/feedback", response_model=Page[FeedbackView], tags=["feedback"], dependencies=[readers])
async def list_feedback(
    request: Request,
    account_id: Annotated[Id | None, Query()] = None,
    source: Annotated[Slug | None, Query()] = None,
    kind: FeedbackKind | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    since: Annotated[IsoDatetime | None, Query(description="occurred_at from (inclusive)")] = None,
    until: Annotated[IsoDatetime | None, Query(description="occurred_at before (exclusive)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words that must all be in the text")] = None,
    duplicate_of: Annotated[Id | None, Query(description="Items linked to this original")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[FeedbackView]:
    """Newest first (by when the feedback occurred)."""
    query = store.feedback_query(
        account_id=account_id,
        source=source,
        kind=kind,
        status=status_,
        since=since,
        until=until,
        text=q,
        duplicate_of=duplicate_of,
    )
    docs, next_cursor = await page(
        request.app.state.service.db[store.FEEDBACK],
        query,
        sort=("occurred_at", -1),
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[_feedback_view(d) for d in docs], next_cursor=next_cursor)


@router.get("/feedback/{feedback_id}", response_model=FeedbackView, tags=["feedback"], dependencies=[readers])
async def get_feedback(feedback_id: str, request: Request) -> FeedbackView:
    return _feedback_view(await _one(request, store.FEEDBACK, feedback_id, "feedback"))


@router.get("/accounts", response_model=Page[AccountView], tags=["accounts"], dependencies=[readers])
async def list_accounts(
    request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None
) -> Page[AccountView]:
    docs, next_cursor = await page(
        request.app.state.service.db[store.ACCOUNTS], {}, sort=("_id", 1), limit=limit, cursor=cursor
    )
    return Page(items=[_account_view(d) for d in docs], next_cursor=next_cursor)


@router.get("/accounts/{account_id}", response_model=AccountView, tags=["accounts"], dependencies=[readers])
async def get_account(account_id: str, request: Request) -> AccountView:
    return _account_view(await _one(request, store.ACCOUNTS, account_id, "account"))


@router.put("/accounts/{account_id}", response_model=AccountView, tags=["accounts"])
async def put_account(
    account_id: str,
    account: Account,
    request: Request,
    principal: Annotated[Principal, Depends(account_writers)],
) -> AccountView:
    """Create or replace an account; announced as account.updated. Later feedback is weighted with it."""
    if account.account_id != account_id:
        raise HTTPException(422, "account_id in the body must match the path")
    await request.app.state.service.transactions.run(lambda uow: handlers.put_account(uow, account))
    return await get_account(account_id, request)


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["accounts"])
async def delete_account(
    account_id: str, request: Request, principal: Annotated[Principal, Depends(account_writers)]
) -> Response:
    """Remove from the registry; items keep the snapshot they were ingested with."""
    transactions = request.app.state.service.transactions
    deleted = await transactions.run(lambda uow: store.delete_account(uow, account_id))
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class ErasureRequest(BaseModel):
    account_id: Id | None = None
    customer_email: Email | None = None
    reason: Reason
    erasure_id: Id | None = Field(default=None, description="Your request id: a repeat gets the same answer.")

    @model_validator(mode="after")
    def _one_subject(self) -> "ErasureRequest":
        if (self.account_id is None) == (self.customer_email is None):
            raise ValueError("give exactly one of account_id or customer_email")
        return self


class ErasureView(BaseModel):
    erasure_id: str
    feedback_ids: list[str]
    replayed: bool = Field(description="True when this erasure_id was already carried out.")


@router.post("/erasures", response_model=ErasureView, tags=["erasure"])
async def erase(
    body: ErasureRequest, request: Request, principal: Annotated[Principal, Depends(erasers)]
) -> ErasureView:
    """Delete one customer's feedback (GDPR) and publish feedback.erased; the ids are never ingested again."""

    async def work(uow: UnitOfWork) -> handlers.Erasure:
        return await handlers.erase_customer(
            uow,
            account_id=body.account_id,
            customer_email=body.customer_email,
            reason=body.reason,
            requested_by=principal.actor,
            erasure_id=body.erasure_id,
        )

    done = await request.app.state.service.transactions.run(work)
    request.app.state.rules.recent.forget()  # erased items must not be linked to from here on
    return ErasureView(erasure_id=done.erasure_id, feedback_ids=done.feedback_ids, replayed=done.replayed)
