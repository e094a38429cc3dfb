"""Each component installs on its own: a service image needs only contracts, kit and the service."""

import ast
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("feedback", "initiatives", "insights", "notifier", "console")
COMPONENTS = {
    "terrain-contracts": ROOT / "contracts" / "terrain_contracts",
    "terrain-kit": ROOT / "kit" / "terrain_kit",
    **{f"terrain-{name}": ROOT / "services" / name / f"terrain_{name}" for name in SERVICES},
}


def top_level_imports(package: Path) -> set[str]:
    found = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def closure(distribution: str) -> set[str]:
    """The distribution and everything it requires, extras included, as installed."""
    seen: set[str] = set()
    pending = [(distribution, frozenset())]
    while pending:
        name, extras = pending.pop()
        key = (canonicalize_name(name), extras)
        if str(key) in seen:
            continue
        seen.add(str(key))
        seen.add(canonicalize_name(name))
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    return {entry for entry in seen if not entry.startswith("(")}


@pytest.mark.parametrize("distribution", COMPONENTS)
def test_every_import_is_covered_by_the_declared_dependencies(distribution):
    provided = metadata.packages_distributions()
    own = COMPONENTS[distribution].name
    allowed = closure(distribution)
    missing = {}
    for module in top_level_imports(COMPONENTS[distribution]) - set(sys.stdlib_module_names) - {own}:
        providers = {canonicalize_name(d) for d in provided.get(module, [])}
        if not providers & allowed:
            missing[module] = sorted(providers) or ["not installed"]
    assert missing == {}, f"{distribution} imports what its pyproject does not declare"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another_service_or_dev_tooling(service):
    imports = top_level_imports(COMPONENTS[f"terrain-{service}"])
    forbidden = {f"terrain_{other}" for other in SERVICES if other != service} | {"terrain_dev"}
    assert imports & forbidden == set()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_image_installs_only_contracts_kit_and_the_service(service):
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text()
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    assert copied == {"constraints.txt", "contracts", "kit", f"services/{service}"}
