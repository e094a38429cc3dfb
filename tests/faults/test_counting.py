"""How the fault suite counts: an acknowledged event missing an effect is lost, one with an effect twice
is doubled, a notification received again under its own webhook-id is only resent."""

from collections import Counter

import pytest
from terrain_dev.faults.counters import Effects, tally
from terrain_dev.faults.load import Sent

pytestmark = pytest.mark.unit


def sent(index: int, acknowledged: bool = True) -> Sent:
    return Sent(
        index,
        f"e-{index}",
        f"fb-{index}",
        f"acct-{index}",
        100.0,
        acknowledged_at=101.0 if acknowledged else None,
    )


def complete(*indexes: int) -> Effects:
    effects = Effects()
    for i in indexes:
        effects.stored[f"fb-{i}"] = {"revision": 1, "ingested_at": 101.0}
        effects.ingested[f"fb-{i}"] += 1
        effects.classified[f"fb-{i}"] += 1
        effects.classified_items.add(f"fb-{i}")
        effects.insights[f"churn:acct-{i}"] += 1
        effects.notifications[f"churn:acct-{i}"] = {f"n-{i}"}
        effects.webhook_requests[f"n-{i}"] += 1
        effects.announced[f"n-{i}"] += 1
    return effects


def test_every_effect_once_is_neither_lost_nor_doubled():
    counted = tally([sent(1), sent(2)], complete(1, 2))

    assert (counted.acknowledged, counted.lost_events) == (2, 0)
    assert (counted.duplicated_events, counted.resent) == (0, 0)


def test_an_acknowledged_event_never_notified_is_lost():
    effects = complete(1, 2)
    del effects.notifications["churn:acct-2"]

    counted = tally([sent(1), sent(2)], effects)

    assert counted.lost_events == 1 and counted.lost["notified"] == ["fb-2"]


def test_an_unacknowledged_event_is_not_expected_anywhere():
    counted = tally([sent(1), sent(2, acknowledged=False)], complete(1))

    assert (counted.published, counted.acknowledged, counted.lost_events) == (2, 1, 0)


def test_a_second_insight_or_a_second_notification_for_one_event_is_doubled():
    effects = complete(1, 2)
    effects.insights["churn:acct-1"] += 1
    effects.notifications["churn:acct-2"].add("n-2-again")
    effects.stored["fb-1"]["revision"] = 2  # processed twice: stored as an edit

    counted = tally([sent(1), sent(2)], effects)

    assert counted.duplicated["insight"] == ["fb-1"] and counted.duplicated["notified"] == ["fb-2"]
    assert counted.duplicated["stored"] == ["fb-1"]
    assert counted.duplicated_events == 2


def test_the_same_webhook_id_received_twice_is_resent_not_doubled():
    effects = complete(1)
    effects.webhook_requests = Counter({"n-1": 2})

    counted = tally([sent(1)], effects)

    assert (counted.duplicated_events, counted.resent) == (0, 1)
