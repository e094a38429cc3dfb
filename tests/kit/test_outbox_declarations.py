"""A service's outbox takes only the events the contract registry lists for it
(its NATS user may publish them)."""

import pytest
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_contracts.events.insight import InsightResolved
from terrain_contracts.registry import EVENTS, PUBLISHED_BY, published_by
from terrain_kit.uow import UndeclaredEvent, UnitOfWork

pytestmark = pytest.mark.unit


def _account_updated() -> AccountUpdated:
    account = Account(account_id="acme", name="Acme")
    return AccountUpdated.create(AccountUpdatedData(account=account), source="feedback")


def _unit_of_work(service: str) -> UnitOfWork:
    return UnitOfWork(db=None, session=None, publishes=frozenset(e.subject for e in published_by(service)))  # type: ignore[arg-type]


def test_an_event_the_service_declares_goes_to_the_outbox():
    uow = _unit_of_work("feedback")
    uow.emit(_account_updated())
    assert [entry["subject"] for entry in uow.outbox] == [AccountUpdated.subject]


def test_an_event_the_service_does_not_declare_is_refused_before_it_reaches_the_outbox():
    uow = _unit_of_work("insights")
    with pytest.raises(UndeclaredEvent, match=AccountUpdated.subject):
        uow.emit(_account_updated())
    assert uow.outbox == []


def test_each_event_has_exactly_one_producing_service_besides_the_tools():
    producers = {
        event: [name for name, events in PUBLISHED_BY.items() if event in events] for event in EVENTS
    }
    services = {e: [p for p in names if p != "tools"] for e, names in producers.items()}
    assert all(len(names) <= 1 for names in services.values())
    assert services[InsightResolved] == ["insights"]
