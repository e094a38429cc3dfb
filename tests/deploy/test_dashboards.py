"""Dashboards and alerts query only metrics the code exports."""

import re
from pathlib import Path

import pytest
import yaml
from terrain_dev.deploy import dashboards

pytestmark = [pytest.mark.unit, pytest.mark.thorough]

REPO = Path(__file__).resolve().parents[2]
METRIC = re.compile(r"\b((?:terrain|faststream)_[a-z_]+)")
SUFFIXES = ("_bucket", "_sum", "_count")
# FastStream's Prometheus middleware names (faststream/prometheus/container.py, prefix "faststream").
FASTSTREAM = {
    "faststream_received_processed_messages_total",
    "faststream_received_processed_messages_duration_seconds",
    "faststream_received_messages_total",
    "faststream_published_messages_total",
}


def exported() -> set[str]:
    names = set(FASTSTREAM)
    for source in [*REPO.glob("kit/terrain_kit/*.py"), *REPO.glob("services/*/terrain_*/**/*.py")]:
        names |= set(re.findall(r'"((?:terrain)_[a-z_]+)"', source.read_text()))
    return names


def used_metrics(expressions: list[str]) -> set[str]:
    found = set()
    for expression in expressions:
        for name in METRIC.findall(expression):
            for suffix in SUFFIXES:
                if name.endswith(suffix) and not name.endswith("_total" + suffix):
                    name = name.removesuffix(suffix)
                    break
            found.add(name)
    return found


def alert_expressions() -> list[str]:
    groups = yaml.safe_load((REPO / "deploy/prometheus/alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_every_metric_a_dashboard_queries_is_exported_by_the_code():
    assert used_metrics(dashboards.expressions()) - exported() == set()


def test_every_metric_an_alert_queries_is_exported_by_the_code():
    assert used_metrics(alert_expressions()) - exported() == set()


def test_the_five_dashboards_are_provisioned_with_panels():
    provisioned = {path.stem: path for path in (REPO / "deploy/grafana/dashboards").glob("*.json")}
    assert set(provisioned) == {
        "pipeline-overview",
        "service-red",
        "jetstream-consumers",
        "notifications",
        "product-ops",
    }
    for uid in provisioned:
        dashboard = dashboards.dashboard(uid)
        assert dashboard["panels"] and all(panel["targets"] for panel in dashboard["panels"])
