"""A real Prometheus scrapes all four running services; every exposition passes promtool."""

import json
import subprocess
import urllib.request

import pytest
import yaml
from terrain_dev.servers import free_port
from terrain_dev.stack import SERVICES, Printer, Stack, StackConfig
from terrain_dev.testing import require_tool
from terrain_dev.waiting import NotYet, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(StackConfig.on_free_ports(tmp_path_factory.mktemp("stack")), Printer(colour=False)) as running:
        yield running


def scrape_config(stack: Stack) -> dict:
    return {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {"job_name": f"terrain-{name}", "static_configs": [{"targets": [f"127.0.0.1:{process.port}"]}]}
            for name, process in stack.services.items()
        ],
    }


def test_prometheus_scrapes_every_service_and_sees_it_up(stack, tmp_path):
    prometheus = require_tool("prometheus", "prometheus")
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(stack)))
    port = free_port()
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    try:

        def all_up() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2) as response:
                targets = json.load(response)["data"]["activeTargets"]
            health = {t["labels"]["job"]: t["health"] for t in targets}
            if health != {f"terrain-{name}": "up" for name, _, _ in SERVICES}:
                raise NotYet(str(health))
            return True

        wait_until(all_up, timeout=60, interval=0.5, what="Prometheus sees the four services up")

        query = f"http://127.0.0.1:{port}/api/v1/query?query=sum%20by%20(job)%20(terrain_ready)"

        def ready_series() -> dict:
            with urllib.request.urlopen(query, timeout=2) as response:
                result = json.load(response)["data"]["result"]
            return {r["metric"]["job"]: r["value"][1] for r in result} or None

        assert wait_until(ready_series, timeout=30, what="terrain_ready scraped") == {
            f"terrain-{name}": "1" for name, _, _ in SERVICES
        }
    finally:
        server.terminate()
        server.wait(10)


def test_every_service_exposition_passes_promtool_check_metrics(stack):
    promtool = require_tool("promtool", "prometheus")
    for name, process in stack.services.items():
        with urllib.request.urlopen(f"{process.base_url}/metrics", timeout=5) as response:
            exposition = response.read()
        result = subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True)
        assert result.returncode == 0, f"{name}: {result.stdout.decode()} {result.stderr.decode()}"
        assert b"terrain_ready 1.0" in exposition
