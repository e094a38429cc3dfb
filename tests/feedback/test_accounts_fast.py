"""The account registry's use cases on an in-memory unit of work: versions, CRM ordering, refusals.

No nats-server, no Mongo-wire server; test_accounts.py is the proof against the real servers.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from terrain_contracts.events.account import Account, AccountUpdated
from terrain_contracts.registry import published_by
from terrain_dev.memory import MemoryDatabase, memory_uow
from terrain_feedback.handlers import accounts
from terrain_kit.errors import Invalid, NotFound, StaleVersion, VersionRequired
from terrain_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


def unit(db: MemoryDatabase) -> UnitOfWork:
    return memory_uow(db, publishes=published_by("feedback"))


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


class TestAccounts:
    async def test_an_account_put_through_the_api_is_stored_and_announced(self, db):
        uow = unit(db)

        version = await accounts.put_account(uow, "acc-1", Account(account_id="acc-1", name="Acme"), None)

        assert (await db["accounts"].find_one({"_id": "acc-1"}))["name"] == "Acme"
        assert subjects(uow) == [AccountUpdated.subject]
        assert version == 1

    async def test_an_account_replaced_with_the_version_it_was_read_at_is_stored_as_the_next(self, db):
        await accounts.put_account(unit(db), "acc-1", Account(account_id="acc-1", name="Acme"), None)
        uow = unit(db)

        version = await accounts.put_account(uow, "acc-1", Account(account_id="acc-1", name="Acme Corp"), 1)

        assert version == 2
        assert (await db["accounts"].find_one({"_id": "acc-1"}))["name"] == "Acme Corp"
        assert subjects(uow) == [AccountUpdated.subject]

    async def test_replacing_an_account_without_its_version_is_refused_as_version_required(self, db):
        await accounts.put_account(unit(db), "acc-1", Account(account_id="acc-1", name="Acme"), None)
        uow = unit(db)

        with pytest.raises(VersionRequired):
            await accounts.put_account(uow, "acc-1", Account(account_id="acc-1", name="Acme Corp"), None)

        assert uow.outbox == [] and (await db["accounts"].find_one({"_id": "acc-1"}))["name"] == "Acme"

    async def test_replacing_an_account_changed_by_a_crm_since_it_was_read_is_refused_as_stale(self, db):
        await accounts.put_account(unit(db), "acc-1", Account(account_id="acc-1", name="Acme"), None)
        later = datetime.now(UTC) + timedelta(minutes=1)  # API writes are stamped by the event's clock
        await accounts.apply_account(unit(db), Account(account_id="acc-1", name="Acme Inc"), later)
        uow = unit(db)

        with pytest.raises(StaleVersion) as refused:
            await accounts.put_account(uow, "acc-1", Account(account_id="acc-1", name="Acme Corp"), 1)

        assert refused.value.current == 2
        assert uow.outbox == [] and (await db["accounts"].find_one({"_id": "acc-1"}))["name"] == "Acme Inc"

    async def test_an_account_whose_id_differs_from_the_path_is_refused(self, db):
        uow = unit(db)

        with pytest.raises(Invalid) as refused:
            await accounts.put_account(uow, "acc-2", Account(account_id="acc-1", name="Acme"), None)

        assert refused.value.field == "account_id"
        assert uow.outbox == [] and await db["accounts"].count_documents({}) == 0

    async def test_an_older_account_state_arriving_late_changes_nothing(self, db):
        newer = Account(account_id="acc-1", name="Acme Corp", renewal_date=date(2027, 3, 1))
        await accounts.apply_account(unit(db), newer, NOW)

        applied = await accounts.apply_account(
            unit(db), Account(account_id="acc-1", name="Acme"), NOW - timedelta(days=1)
        )

        assert applied is False
        assert (await db["accounts"].find_one({"_id": "acc-1"}))["name"] == "Acme Corp"

    async def test_a_crm_repeating_the_stored_state_keeps_its_version(self, db):
        acme = Account(account_id="acc-1", name="Acme", domains=["acme.io"], plan="growth")
        await accounts.apply_account(unit(db), acme, NOW)

        applied = await accounts.apply_account(unit(db), acme, NOW + timedelta(hours=1))

        assert applied is True
        stored = await db["accounts"].find_one({"_id": "acc-1"})
        assert stored["version"] == 1 and stored["as_of"] == NOW + timedelta(hours=1)

    async def test_if_match_zero_creates_an_account_only_if_it_is_not_there(self, db):
        acme = Account(account_id="acc-1", name="Acme")

        created = await accounts.put_account(unit(db), "acc-1", acme, 0)
        with pytest.raises(StaleVersion) as refused:
            await accounts.put_account(unit(db), "acc-1", acme, 0)

        assert created == 1 and refused.value.current == 1

    async def test_deleting_an_unknown_account_is_refused_as_not_found(self, db):
        with pytest.raises(NotFound):
            await accounts.delete_account(unit(db), "acc-unknown")
