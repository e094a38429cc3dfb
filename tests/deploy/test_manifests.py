"""Kubernetes manifests and docker-compose: generated from the code, current, and valid."""

import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from terrain_dev.deploy import files
from terrain_dev.deploy.specs import all_specs
from terrain_dev.testing import require_tool

pytestmark = [pytest.mark.unit, pytest.mark.thorough]

REPO = Path(__file__).resolve().parents[2]
KUBERNETES = "1.32.0"


@pytest.fixture(scope="module")
def specs():
    return all_specs()


def test_generated_deployment_files_are_current(specs):
    assert files.stale(files.generated(specs)) == [], "run: ./terrain deploy write"


def render(overlay: str) -> list[dict]:
    kubectl = require_tool("kubectl", "kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(REPO / "deploy/k8s/overlays" / overlay)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("overlay", ["local", "production"])
def test_every_object_of_the_overlay_is_valid_kubernetes(overlay):
    checked = 0
    for document in render(overlay):
        if document["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked by the next test
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("overlay", ["local", "production"])
def test_each_service_has_its_deployment_service_budget_policy_and_autoscaling(overlay, specs):
    documents = render(overlay)
    assert {d["metadata"].get("namespace") for d in documents if d["kind"] != "Namespace"} == {"terrain"}
    by_kind: dict[str, dict[str, dict]] = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    for spec in specs:
        components = ([f"{spec.name}-http"] if spec.http_intake else []) + (
            [spec.name] if spec.event_consumers or not spec.http_intake else []
        )
        for component in components:
            for kind in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"):
                assert component in by_kind[kind], (kind, component)
        if spec.http_intake:
            hpa = by_kind["HorizontalPodAutoscaler"][f"{spec.name}-http"]
            assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        if spec.event_consumers:
            scaled = by_kind["ScaledObject"][spec.name]
            assert scaled["spec"]["scaleTargetRef"]["name"] in by_kind["Deployment"]
            watched = {
                (t["metadata"]["stream"], t["metadata"]["consumer"])
                for t in scaled["spec"]["triggers"]
                if t["type"] == "nats-jetstream"
            }
            assert watched == set(spec.event_consumers)


def test_docker_compose_is_valid_and_runs_every_part():
    compose = require_tool("docker-compose", "docker-compose")
    result = subprocess.run(
        [compose, "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    expected = {
        "nats-1",
        "nats-2",
        "nats-3",
        "mongo-1",
        "mongo-2",
        "mongo-3",
        "feedback",
        "initiatives",
        "insights",
        "notifier",
        "prometheus",
        "grafana",
        "jaeger",
    }
    assert expected <= set(services)
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            assert (REPO / service["build"]["dockerfile"]).exists()
