"""The account registry: a CRM's view of each account, that later feedback is weighted with."""

from datetime import datetime

from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_kit import logs
from terrain_kit.errors import Invalid, NotFound, StaleVersion
from terrain_kit.uow import UnitOfWork

from ..domain.accounts import check_replace, plan_account_updates, version_of
from ..store import accounts as store

SOURCE = "feedback"


async def apply_accounts(uow: UnitOfWork, updates: list[tuple[Account, datetime]]) -> list[bool]:
    """CRMs' latest views of accounts (each with its event time, in stream order), in one read and one
    write; later feedback is weighted with them (earlier keeps its snapshot). Whether each was applied."""
    states = [(account.model_dump(mode="json"), as_of) for account, as_of in updates]
    stored = await store.accounts_by_id(uow, {state["account_id"] for state, _ in states})
    plan = plan_account_updates(stored, states)
    await store.write_accounts(uow, plan.writes)
    return plan.applied


async def apply_account(uow: UnitOfWork, account: Account, as_of: datetime) -> bool:
    """A CRM's latest view of an account: false when a newer one is already stored."""
    [applied] = await apply_accounts(uow, [(account, as_of)])
    return applied


async def put_account(uow: UnitOfWork, account_id: str, account: Account, if_match: int | None) -> int:
    """An account created, or replaced at the version it was read (If-Match), through the API: stored as the
    next version, and announced like a CRM would. Returns the version stored."""
    if account.account_id != account_id:
        raise Invalid("account_id", "in the body must match the path")
    read = await store.get_account(uow, account_id)
    check_replace(read, if_match)
    event = AccountUpdated.create(
        AccountUpdatedData(account=account), source=SOURCE, correlation_id=logs.correlation_id.get()
    )
    version = version_of(read) + 1
    if not await store.replace_account(
        uow, account.model_dump(mode="json"), event.occurred_at, read, version
    ):
        raise StaleVersion(version_of(read), version)  # changed between the read and the write
    uow.emit(event)
    return version


async def delete_account(uow: UnitOfWork, account_id: str) -> None:
    """Out of the registry; items keep the snapshot they were ingested with."""
    if not await store.delete_account(uow, account_id):
        raise NotFound(f"no account {account_id}")
