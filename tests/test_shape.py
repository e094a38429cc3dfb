"""Every service has the same shape: a newcomer who knows one finds their way in the others.

docs/building-a-service.md describes it; a service that grows another top-level module or package fails
here, naming it."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(path.name for path in (ROOT / "services").iterdir() if (path / "pyproject.toml").exists())
REQUIRED = {
    "__init__",
    "__main__",
    "main",
    "settings",
    "metrics",
    "domain",
    "handlers",
    "subscribers",
    "http",
    "store",
}
OPTIONAL = {"cli", "jobs"}  # where the service has command-line entry points or background work
PACKAGES = {"domain", "handlers", "http", "store", "cli", "jobs"}
# A service that consumes no events (the console: a web application over the others' HTTP APIs) has no
# subscribers module; it serves pages from templates/ and static/ (folders, not Python packages).
WITHOUT_CONSUMERS = {"console"}
PAGE_FOLDERS = ("templates", "static")


def required(service: str) -> set[str]:
    return REQUIRED - {"subscribers"} if service in WITHOUT_CONSUMERS else REQUIRED


def top_level_names(service: str) -> set[str]:
    package = ROOT / "services" / service / f"terrain_{service}"
    return {
        path.stem
        for path in package.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists()) and path.name != "__pycache__"
    }


def test_the_five_services_are_found():
    assert {"feedback", "initiatives", "insights", "notifier", "console"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_has_the_house_shape_and_nothing_else(service):
    names = top_level_names(service)
    assert required(service) <= names, f"missing: {sorted(required(service) - names)}"
    allowed = required(service) | OPTIONAL
    assert names <= allowed, f"not in the house shape: {sorted(names - allowed)}"


@pytest.mark.parametrize("service", sorted(WITHOUT_CONSUMERS))
def test_a_service_without_consumers_serves_pages_from_its_folders(service):
    package = ROOT / "services" / service / f"terrain_{service}"
    for folder in PAGE_FOLDERS:
        assert (package / folder).is_dir(), f"{folder}/ holds the pages' {folder}"
        assert not (package / folder / "__init__.py").exists(), f"{folder}/ is data, not a Python package"


@pytest.mark.parametrize("service", SERVICES)
def test_layers_are_packages_and_the_rest_modules(service):
    package = ROOT / "services" / service / f"terrain_{service}"
    for name in top_level_names(service):
        assert (package / name).is_dir() == (name in PACKAGES), name


@pytest.mark.parametrize("service", SERVICES)
def test_the_same_names_inside(service):
    package = ROOT / "services" / service / f"terrain_{service}"
    if service not in WITHOUT_CONSUMERS:
        subscribers = (package / "subscribers.py").read_text()
        assert "def declare(" in subscribers, "the consumers factory is subscribers.declare(context)"
    assert (package / "handlers" / "context.py").exists(), "the Context lives in handlers/context.py"
    assert "class Context" in (package / "handlers" / "context.py").read_text()
    assert "app.state.context = " in (package / "main.py").read_text()
    assert "ROUTERS" in (package / "http" / "__init__.py").read_text()


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_store_speaks_mongodb(service):
    package = ROOT / "services" / service / f"terrain_{service}"
    offenders = []
    for path in package.rglob("*.py"):
        if "store" in path.relative_to(package).parts:
            continue
        text = path.read_text()
        if any(marker in text for marker in ("session=uow.session", "pymongo", "uow.db[", ".db[", "uow[")):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
