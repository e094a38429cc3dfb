"""Customer accounts, as CRMs publish them."""

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from .. import streams, subjects
from ..envelope import Event
from ..types import Contract, Domain, Email, Id, Money, Name, Slug


class Account(Contract):
    account_id: Id
    name: Name
    domains: list[Domain] = Field(
        default_factory=list, max_length=50, description="Email domains of the customer's people, lower case."
    )
    arr: Money | None = Field(default=None, description="Annual recurring revenue.")
    plan: Slug | None = None
    segment: Slug | None = Field(default=None, description="e.g. smb, mid_market, enterprise.")
    renewal_date: date | None = None
    owner_rep_email: Email | None = None


class AccountUpdatedData(Contract):
    account: Account


class AccountUpdated(Event):
    """A CRM created or changed an account; the registry keeps the latest."""

    type: Literal["account.updated"] = "account.updated"
    version: Literal[1] = 1
    data: AccountUpdatedData
    subject: ClassVar[str] = subjects.ACCOUNT_UPDATED
    stream: ClassVar[str] = streams.ACCOUNTS
