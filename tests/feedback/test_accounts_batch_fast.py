"""A batch of CRM account states applied at once (one read, one bulk write), on an in-memory unit of work:
the same result as applying the events one after the other in stream order."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from terrain_contracts.events.account import Account
from terrain_contracts.registry import published_by
from terrain_dev.memory import MemoryCollection, MemoryDatabase, memory_uow
from terrain_feedback.handlers import accounts
from terrain_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def unit(db: MemoryDatabase) -> UnitOfWork:
    return memory_uow(db, publishes=published_by("feedback"))


def acme(account_id: str = "acc-1", plan: str = "growth") -> Account:
    return Account(account_id=account_id, name="Acme", domains=["acme.io"], plan=plan)


async def stored(db: MemoryDatabase, account_id: str = "acc-1") -> dict:
    return await db["accounts"].find_one({"_id": account_id})


async def save_account(db: MemoryDatabase, account: dict, as_of: datetime) -> bool:
    """The rules as they were applied one event per transaction (the store before batches), as reference."""
    accounts_ = db["accounts"]
    same = {"_id": account["account_id"], "as_of": {"$lte": as_of}, **account}
    if (await accounts_.update_one(same, {"$set": {"as_of": as_of}})).matched_count:
        return True
    doc = {"_id": account["account_id"], **account, "as_of": as_of}
    newer = {"_id": account["account_id"], "as_of": {"$lte": as_of}}
    if (await accounts_.update_one(newer, {"$set": doc, "$inc": {"version": 1}})).matched_count:
        return True
    if await accounts_.find_one({"_id": account["account_id"]}):
        return False
    await accounts_.insert_one({**doc, "version": 1})
    return True


async def one_by_one(updates: list[tuple[Account, datetime]]) -> tuple[MemoryDatabase, list[bool]]:
    db = MemoryDatabase()
    applied = [await save_account(db, account.model_dump(mode="json"), as_of) for account, as_of in updates]
    return db, applied


async def all_accounts(db: MemoryDatabase) -> list[dict]:
    return await db["accounts"].find({}).sort("_id", 1).to_list(None)


class TestAccountBatches:
    async def test_two_changes_of_one_account_in_a_batch_leave_the_later_one_at_version_two(self):
        db = MemoryDatabase()

        applied = await accounts.apply_accounts(
            unit(db), [(acme(plan="growth"), NOW), (acme(plan="enterprise"), NOW + timedelta(minutes=1))]
        )

        assert applied == [True, True]
        doc = await stored(db)
        assert (doc["plan"], doc["version"], doc["as_of"]) == ("enterprise", 2, NOW + timedelta(minutes=1))

    async def test_an_older_state_after_a_newer_one_in_a_batch_changes_nothing(self):
        db = MemoryDatabase()

        applied = await accounts.apply_accounts(
            unit(db), [(acme(plan="enterprise"), NOW), (acme(plan="growth"), NOW - timedelta(hours=1))]
        )

        assert applied == [True, False]
        doc = await stored(db)
        assert (doc["plan"], doc["version"], doc["as_of"]) == ("enterprise", 1, NOW)

    async def test_the_same_state_again_in_a_batch_only_moves_as_of(self):
        db = MemoryDatabase()
        await accounts.apply_account(unit(db), acme(), NOW)

        applied = await accounts.apply_accounts(
            unit(db), [(acme(), NOW + timedelta(hours=1)), (acme(), NOW + timedelta(hours=2))]
        )

        assert applied == [True, True]
        doc = await stored(db)
        assert (doc["version"], doc["as_of"]) == (1, NOW + timedelta(hours=2))

    async def test_a_change_of_an_account_stored_before_versions_were_kept_is_version_one_plus_one(self):
        db = MemoryDatabase()
        await db["accounts"].insert_one({"_id": "acc-1", **acme().model_dump(mode="json"), "as_of": NOW})

        await accounts.apply_accounts(unit(db), [(acme(plan="enterprise"), NOW + timedelta(hours=1))])

        assert (await stored(db))["version"] == 1  # as $inc over no field gave before

    async def test_a_batch_of_many_accounts_costs_one_read_and_one_bulk_write(self, monkeypatch):
        db = MemoryDatabase()
        calls: list[str] = []
        for name in ("find", "find_one", "bulk_write", "update_one", "insert_one"):
            method = getattr(MemoryCollection, name, None)

            def counted(self, *args, _name=name, _method=method, **kwargs):
                calls.append(_name)
                return _method(self, *args, **kwargs) if _method else self.__getattr__(_name)(*args, **kwargs)

            monkeypatch.setattr(MemoryCollection, name, counted, raising=False)
        updates = [(acme(f"acc-{i}", plan="growth"), NOW) for i in range(200)]
        updates += [(acme(f"acc-{i}", plan="enterprise"), NOW + timedelta(minutes=1)) for i in range(100)]

        applied = await accounts.apply_accounts(unit(db), updates)

        assert calls == ["find", "bulk_write"]
        assert applied == [True] * 300
        docs = await all_accounts(db)
        assert len(docs) == 200
        assert {d["_id"]: (d["plan"], d["version"]) for d in docs} == {
            f"acc-{i}": ("enterprise", 2) if i < 100 else ("growth", 1) for i in range(200)
        }

    async def test_a_random_batch_gives_what_applying_its_events_one_by_one_gives(self):
        draw = random.Random(15)
        stream = [
            (
                acme(f"acc-{draw.randrange(5)}", plan=draw.choice(["growth", "enterprise"])),
                NOW + timedelta(minutes=draw.randrange(-30, 30), microseconds=draw.randrange(2000)),
            )
            for _ in range(200)
        ]
        sequential, expected = await one_by_one(stream)
        db = MemoryDatabase()

        applied = await accounts.apply_accounts(unit(db), stream)

        assert applied == expected
        assert await all_accounts(db) == await all_accounts(sequential)
