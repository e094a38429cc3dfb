"""One real local stack with the console for the package, one headless Chromium (Debian's chromium and
chromium-driver) per module; every journey saves a screenshot under tests/console/artifacts/ (git-ignored);
with TERRAIN_DOCS_SCREENSHOTS=1 the README's are refreshed in docs/console/."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait
from terrain_dev.stack import Printer, Stack, StackConfig

from .world import World, built

ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "console"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="package")
def stack(tmp_path_factory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("console")
    spans = {"{SERVICE}_TELEMETRY__SPAN_FILE": str(root / "spans-{service}.jsonl")}  # every process's spans
    config = StackConfig.on_free_ports(root, console=True, extra_env=spans)
    with Stack(config, Printer(colour=False)) as running:
        yield running


@pytest.fixture(scope="package")
def world(stack) -> World:
    return built(stack)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        missing = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        if os.environ.get("TERRAIN_CI"):  # CI installs them (.ci/run): their absence is a failure there
            pytest.fail(missing)
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))  # no download
    try:
        yield driver
    finally:
        driver.quit()


def wait(browser: webdriver.Chrome, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def sign_in(browser: webdriver.Chrome, world: World, email: str, then: str = "/inbox") -> None:
    browser.delete_all_cookies()
    browser.get(f"{world.console}/sign-in?next={quote(then, safe='/')}")
    # With the keyboard only: the email field has the focus, Tab reaches the password, Enter submits.
    wait(browser).until(lambda b: b.switch_to.active_element.get_attribute("id") == "email")
    browser.switch_to.active_element.send_keys(email, Keys.TAB)
    browser.switch_to.active_element.send_keys(world.password, Keys.ENTER)
    wait(browser).until(seen.url_contains(then))
    wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "form.who")))


def screenshot(browser: webdriver.Chrome, name: str, for_docs: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    if for_docs and os.environ.get("TERRAIN_DOCS_SCREENSHOTS"):  # refreshes the README's, on purpose only
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def screenshot_on_failure(request) -> Iterator[None]:
    """What the browser showed when a journey failed, beside the journeys' own screenshots."""
    yield
    report = getattr(request.node, "report_call", None)
    if "browser" in request.fixturenames and report is not None and report.failed:
        browser = request.getfixturevalue("browser")
        screenshot(browser, f"failed-{request.node.name}")
        (ARTIFACTS / f"failed-{request.node.name}.html").write_text(browser.page_source)
