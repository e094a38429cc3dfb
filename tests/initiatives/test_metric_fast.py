"""A briefing's success metric measured over time, on the in-memory unit of work: baseline and target,
measurements, the progress shown, the event, and the values refused with the field named."""

from datetime import timedelta

import pytest
from terrain_contracts.subjects import INITIATIVE_METRIC_MEASURED
from terrain_initiatives.domain.measurements import progress
from terrain_initiatives.handlers import briefings, measurements
from terrain_initiatives.http.views import initiative as view
from terrain_kit.errors import Conflict, Forbidden, Invalid

from .fast import OPS, OTHER_PM, PM, briefing, data_of, squad, subjects

pytestmark = pytest.mark.unit

METRIC = {
    "kind": "kpi",
    "name": "Export success rate",
    "target": "95%",
    "baseline": 60.0,
    "target_value": 95.0,
}


def test_progress_is_the_distance_covered_from_the_baseline_to_the_target():
    assert progress(METRIC, 60.0) == 0.0
    assert progress(METRIC, 81.0) == 0.6
    assert progress(METRIC, 95.0) == 1.0
    assert progress(METRIC, 53.0) == -0.2  # moved the wrong way
    lower_is_better = {**METRIC, "baseline": 40.0, "target_value": 10.0}
    assert progress(lower_is_better, 25.0) == 0.5
    assert progress({"kind": "kpi", "name": "NPS", "target": "up"}, 30.0) is None  # no numbers
    assert progress(METRIC, None) is None


class TestMeasurements:
    async def test_the_latest_measurement_by_time_gives_the_progress_and_each_is_announced(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        doc = await briefing(uow, context, "squad-a", success_metric=METRIC)
        at = clock.now - timedelta(days=2)
        await measurements.record(uow, PM, context, doc["_id"], 74.0, at, "first week")
        await measurements.record(uow, PM, context, doc["_id"], 70.0, at - timedelta(days=1), None)  # older

        shown = view(await briefings.load(uow, doc["_id"])).metric
        assert shown is not None
        assert (shown.latest, shown.latest_at, shown.progress) == (74.0, at, 0.4)
        announced = [data_of(uow, i) for i, s in enumerate(subjects(uow)) if s == INITIATIVE_METRIC_MEASURED]
        assert [(a["value"], a["progress"], a["metric_name"]) for a in announced] == [
            (74.0, 0.4, "Export success rate"),
            (70.0, 0.4, "Export success rate"),  # the progress shown stays the latest's
        ]
        assert announced[0]["owner_team_id"] == "squad-a" and announced[0]["recorded_by"] == "pm-a"

    async def test_the_same_measurement_again_is_stored_once_and_a_different_one_conflicts(
        self, uow, context, clock
    ):
        await squad(uow, context, "squad-a", PM)
        doc = await briefing(uow, context, "squad-a", success_metric=METRIC)
        at = clock.now - timedelta(hours=1)
        _, created = await measurements.record(uow, PM, context, doc["_id"], 80.0, at, None)
        _, again = await measurements.record(uow, PM, context, doc["_id"], 80.0, at, None)
        assert (created, again) == (True, False)
        assert subjects(uow).count(INITIATIVE_METRIC_MEASURED) == 1
        with pytest.raises(Conflict):
            await measurements.record(uow, PM, context, doc["_id"], 81.0, at, None)

    async def test_bad_measurements_and_metrics_are_refused_naming_the_field(self, uow, context, clock):
        await squad(uow, context, "squad-a", PM)
        with pytest.raises(Invalid) as equal:
            await briefing(uow, context, "squad-a", success_metric={**METRIC, "target_value": 60.0})
        assert equal.value.field == "success_metric.target_value"
        with pytest.raises(Invalid) as alone:
            await briefing(uow, context, "squad-a", success_metric={**METRIC, "baseline": None})
        assert alone.value.field == "success_metric.baseline"
        doc = await briefing(uow, context, "squad-a", success_metric=METRIC)
        with pytest.raises(Invalid) as future:
            await measurements.record(
                uow, PM, context, doc["_id"], 80.0, clock.now + timedelta(hours=1), None
            )
        assert future.value.field == "at"
        with pytest.raises(Invalid) as edited:
            await briefings.edit(
                uow, PM, context, doc["_id"], 1, {"success_metric": {**METRIC, "baseline": 95.0}}
            )
        assert edited.value.field == "success_metric.target_value"

    async def test_only_the_owner_team_measures_and_only_a_briefing_with_a_metric(self, uow, context, clock):
        await squad(uow, context, "squad-a", PM)
        await squad(uow, context, "squad-b", OTHER_PM)
        doc = await briefing(uow, context, "squad-a", success_metric=METRIC)
        with pytest.raises(Forbidden):
            await measurements.record(uow, OTHER_PM, context, doc["_id"], 80.0, clock.now, None)
        await measurements.record(uow, OPS, context, doc["_id"], 80.0, clock.now, None)
        bare = await briefing(uow, context, "squad-a")
        with pytest.raises(Conflict):
            await measurements.record(uow, PM, context, bare["_id"], 80.0, clock.now, None)
        assert view(bare).metric is None
