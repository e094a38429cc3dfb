"""The fault suite's short version (issue 8): real processes on loopback, faults injected under load,
every acknowledged event followed to its effects. The full suite: python -m terrain_dev.faults."""

import pytest
from terrain_dev.faults.scenarios import SCENARIOS, run_scenario

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", ["nats-leader-kill", "replica-kill", "poison"])
async def test_nothing_acknowledged_is_lost_or_doubled_when(name, tmp_path):
    scenario = SCENARIOS[name]

    outcome = await run_scenario(scenario, tmp_path, short=True)

    assert outcome.tally.acknowledged == scenario.short_events
    assert {stage: ids for stage, ids in outcome.tally.lost.items() if ids} == {}
    assert {stage: ids for stage, ids in outcome.tally.duplicated.items() if ids} == {}
    assert [check.what for check in outcome.checks if not check.ok] == []
