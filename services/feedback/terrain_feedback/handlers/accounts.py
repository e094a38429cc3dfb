"""The account registry: a CRM's view of each account, that later feedback is weighted with."""

from datetime import datetime

from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_kit import logs
from terrain_kit.errors import Invalid, NotFound
from terrain_kit.uow import UnitOfWork

from ..store import accounts as store

SOURCE = "feedback"


async def apply_account(uow: UnitOfWork, account: Account, as_of: datetime) -> bool:
    """A CRM's latest view of an account; later feedback is weighted with it (earlier keeps its snapshot)."""
    return await store.save_account(uow, account.model_dump(mode="json"), as_of)


async def put_account(uow: UnitOfWork, account_id: str, account: Account) -> AccountUpdated:
    """An account changed through the API: stored, and announced like a CRM would."""
    if account.account_id != account_id:
        raise Invalid("account_id", "in the body must match the path")
    event = AccountUpdated.create(
        AccountUpdatedData(account=account), source=SOURCE, correlation_id=logs.correlation_id.get()
    )
    await store.save_account(uow, account.model_dump(mode="json"), event.occurred_at)
    uow.emit(event)
    return event


async def delete_account(uow: UnitOfWork, account_id: str) -> None:
    """Out of the registry; items keep the snapshot they were ingested with."""
    if not await store.delete_account(uow, account_id):
        raise NotFound(f"no account {account_id}")
