"""A burst of CRM account updates is applied in batches on the real servers: each account at its latest
state, its version moved by every change and by nothing else."""

from datetime import datetime, timedelta

import pytest
from terrain_contracts import streams
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_dev.probes import consumer_settled, dead_letters
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

pytestmark = pytest.mark.integration

ACCOUNTS = 150


def millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def update(
    index: int, plan: str, first: AccountUpdated | None = None, later: timedelta = timedelta()
) -> AccountUpdated:
    account = Account(
        account_id=f"acc-{index:03}", name=f"Customer {index}", domains=[f"c{index}.io"], plan=plan
    )
    event = AccountUpdated.create(AccountUpdatedData(account=account), source="crm")
    if first is not None:
        event = event.model_copy(update={"occurred_at": first.occurred_at + later})
    return event


async def test_a_burst_of_a_few_hundred_account_updates_leaves_each_account_at_its_latest_state(
    feedback, jetstream
):
    firsts = [update(i, "growth") for i in range(ACCOUNTS)]
    # A third change the plan later, a third repeat the same state later, a third arrive late and older.
    seconds = [
        update(i, "growth" if i % 3 == 1 else "enterprise", first, timedelta(minutes=-1 if i % 3 == 2 else 1))
        for i, first in enumerate(firsts)
    ]

    await publish(jetstream, *firsts, *seconds)

    await eventually(
        lambda: consumer_settled(jetstream, streams.ACCOUNTS, "feedback-accounts"), what="applied", timeout=60
    )
    docs = {d["_id"]: d async for d in feedback.db["accounts"].find({})}
    assert len(docs) == ACCOUNTS
    expected = {}
    for i, (first, second) in enumerate(zip(firsts, seconds, strict=True)):
        plan, version, latest = {0: ("enterprise", 2, second), 1: ("growth", 1, second)}.get(
            i % 3, ("growth", 1, first)
        )
        expected[f"acc-{i:03}"] = (plan, version, millis(latest.occurred_at))
    assert {key: (doc["plan"], doc["version"], doc["as_of"]) for key, doc in docs.items()} == expected
    assert await dead_letters(jetstream, "feedback-accounts") == []
