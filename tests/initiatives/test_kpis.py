"""Measured KPIs on the real servers: a success metric measured through the API and announced, and the
Product Ops KPIs fed by feedback.classified and notification.loop_closed read back by API and as gauges."""

import pytest
from terrain_contracts import streams, subjects
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import T0, events
from .test_kpis_fast import FEEDBACK_QUARTER, classified, loop_closed

pytestmark = pytest.mark.integration

METRIC = {"kind": "kpi", "name": "Exports per day", "target": "1000", "baseline": 200, "target_value": 1000}


async def test_a_measured_metric_shows_its_progress_and_is_announced_once(api, jetstream):
    await api.pm("ada", "squad-exports")
    initiative_id = (await api.briefing("squad-exports", as_="ada", success_metric=METRIC))["initiative_id"]
    path = f"/v1/initiatives/{initiative_id}/metric/measurements"
    at = T0.isoformat()

    first = await api.call("POST", path, "ada", json_body={"value": 600, "at": at, "note": "week 1"})
    again = await api.call("POST", path, "ada", json_body={"value": 600, "at": at, "note": "week 1"})
    refused = await api.call("POST", path, "ada", json_body={"value": "a lot", "at": at})
    naive = await api.call("POST", path, "ada", json_body={"value": 1, "at": "2026-11-16T09:00:00"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (refused.status_code, naive.status_code) == (422, 422)
    assert "value" in refused.text and "at" in naive.text
    assert (await api.get(initiative_id))["metric"]["progress"] == 0.5
    [measured] = await eventually(
        lambda: events(jetstream, subjects.INITIATIVE_METRIC_MEASURED), what="event"
    )
    assert (measured.data.value, measured.data.progress, measured.data.recorded_by) == (600, 0.5, "ada")
    listed = await api.call("GET", path)
    assert [m["value"] for m in listed.json()["items"]] == [600]


async def test_kpis_follow_classified_feedback_links_and_closed_loops(api, jetstream):
    await api.pm("ada", "squad-exports")
    assert (
        await api.call("PUT", "/v1/teams/squad-exports/areas/exports", json_body={"name": "Exports"})
    ).is_success
    initiative_id = (await api.briefing("squad-exports", as_="ada"))["initiative_id"]
    await publish(jetstream, classified("fb-1", "exports"), classified("fb-2", "exports"))
    await publish(jetstream, classified("fb-1", "exports"))  # a redelivery changes nothing
    await publish(jetstream, loop_closed(initiative_id, "fb-1"))  # kept, counted once it ships
    await eventually(
        lambda: consumer_settled(jetstream, streams.FEEDBACK, "initiatives-classified"), what="classified"
    )
    await eventually(
        lambda: consumer_settled(jetstream, streams.NOTIFICATIONS, "initiatives-loops"), what="loops"
    )
    api.clock.advance(hours=3)
    linked = await api.call(
        "POST", f"/v1/initiatives/{initiative_id}/links", "ada", json_body={"feedback_id": "fb-1"}
    )
    assert linked.status_code == 201

    found = await api.call(
        "GET", "/v1/kpis", params={"quarter": FEEDBACK_QUARTER, "team_id": "squad-exports"}
    )
    bad = await api.call("GET", "/v1/kpis", params={"quarter": "2026-Q5"})

    assert found.status_code == 200, found.text
    [team] = found.json()["teams"]
    assert team["feedback"]["items"] == 2
    assert team["feedback"]["triaged"] == {"count": 1, "of": 2, "share": 0.5}
    assert team["feedback"]["median_triage_hours"] == 3.0
    assert bad.status_code == 422 and "quarter" in bad.text

    async def gauge() -> bool:
        text = (await api.call("GET", "/metrics")).text
        return (
            'terrain_initiatives_kpi{kpi="triaged_share",quarter="2026-Q4",team="squad-exports"} 0.5' in text
        )

    await eventually(gauge, what="the KPI gauge refreshed")
