"""The alert rules pass promtool, their unit tests pass, and each has a runbook."""

import subprocess
from pathlib import Path

import pytest
import yaml
from terrain_dev.testing import require_tool

pytestmark = [pytest.mark.unit, pytest.mark.thorough]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"


def promtool() -> str:
    return require_tool("promtool", "prometheus")


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_the_rules_pass_promtool_check():
    result = subprocess.run(
        [promtool(), "check", "rules", "alerts.yml"], cwd=PROMETHEUS, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_behave_as_their_unit_tests_say():
    result = subprocess.run(
        [promtool(), "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_and_has_its_runbook():
    tested = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
    tested_names = {case["alertname"] for test in tested for case in test["alert_rule_test"]}
    for rule in alert_rules():
        assert rule["alert"] in tested_names, rule["alert"]
        runbook = DEPLOY.parent / rule["annotations"]["runbook"]
        assert runbook.exists(), runbook
        assert runbook.read_text().startswith(f"# {rule['alert']}")
