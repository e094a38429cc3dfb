"""Pages 9 and 10 of issue 14 in a real browser: a Sales rep logs a call note and follows it under My
feedback (a double submit stores one item, a refused field keeps what was typed), a viewer is refused by
the service, Product Ops reads the quarter's KPIs."""

import asyncio
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select
from terrain_dev.demo import org
from terrain_dev.demo.client import Services

from .conftest import screenshot, sign_in, wait

pytestmark = pytest.mark.e2e

ACCOUNT = next(a for a in org.ACCOUNTS if a.owner is org.SAM)
NOTE = "They need <b>SAML</b> single sign-on before the renewal"
FETCH_POST = """const done = arguments[arguments.length - 1];
fetch(arguments[0].action, {method: 'POST', body: new FormData(arguments[0])}).then(r => done(r.status));"""


async def _sams_account(stack) -> None:
    """The CRM's account Sam covers, written through the feedback service's accounts API."""
    urls = {name: process.base_url for name, process in stack.services.items()}
    services = Services(urls, stack.admin_key)
    try:
        body = ACCOUNT.contract(date.today()).model_dump(mode="json")
        path = f"/v1/accounts/{ACCOUNT.account_id}"
        await services.as_member("feedback", "PUT", path, "product_ops", org.NADIA.member_id, json=body)
    finally:
        await services.close()


@pytest.fixture(scope="module")
def rep_world(stack, world):
    asyncio.run(_sams_account(stack))
    return world


def _mine(browser) -> list[str]:
    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#mine li.card")]


def test_a_rep_logs_a_call_note_and_finds_it_under_my_feedback(browser, rep_world):
    sign_in(browser, rep_world, org.SAM.email, then="/log-feedback")
    browser.find_element(By.ID, "search").send_keys(ACCOUNT.name.split()[0])
    browser.find_element(By.XPATH, "//button[normalize-space()='Search accounts']").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "l-account_id"), "1 found"))
    Select(browser.find_element(By.ID, "l-account_id")).select_by_value(ACCOUNT.account_id)
    browser.find_element(By.ID, "l-text").send_keys(NOTE)
    Select(browser.find_element(By.ID, "l-initiative_id")).select_by_visible_text(
        f"Invoice credit notes ({rep_world.quarter}, proposed)"
    )
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/log-feedback'][method=post]")
    assert browser.execute_async_script(FETCH_POST, form) == 200  # a first submit (followed to My feedback)
    # The same form submitted again (a double click): the same key.
    browser.find_element(By.XPATH, "//button[normalize-space()='Log feedback']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "saved")))
    logged = [text for text in _mine(browser) if NOTE in text]
    assert len(logged) == 1  # one item: the form's idempotency key
    assert ACCOUNT.name in logged[0]
    assert "You proposed: Invoice credit notes" in logged[0]
    assert "My feedback" in [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav[aria-label=Main] a")]
    screenshot(browser, "my-feedback")


def test_a_refused_field_shows_its_error_beside_it_and_keeps_the_rest(browser, rep_world):
    sign_in(browser, rep_world, org.SAM.email, then="/log-feedback")
    Select(browser.find_element(By.ID, "l-account_id")).select_by_value(ACCOUNT.account_id)
    browser.find_element(By.ID, "l-text").send_keys("   ")
    key = browser.find_element(By.NAME, "client_key").get_attribute("value")
    browser.find_element(By.XPATH, "//button[normalize-space()='Log feedback']").click()
    error = wait(browser).until(seen.presence_of_element_located((By.ID, "e-text")))
    assert error.text  # the service's own message, beside the field
    assert browser.find_element(By.ID, "l-text").get_attribute("aria-invalid") == "true"
    assert (
        Select(browser.find_element(By.ID, "l-account_id")).first_selected_option.get_attribute("value")
        == ACCOUNT.account_id
    )
    assert browser.find_element(By.NAME, "client_key").get_attribute("value") == key
    screenshot(browser, "log-feedback-error")
    browser.set_window_size(390, 844)
    try:
        wait(browser).until(lambda b: b.execute_script("return window.innerWidth") <= 390)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, "log-feedback-390px")
    finally:
        browser.set_window_size(1280, 900)


def test_a_viewer_logging_feedback_is_refused_by_the_service(browser, rep_world):
    sign_in(browser, rep_world, org.NOAH.email, then="/log-feedback")
    browser.find_element(By.ID, "l-text").send_keys("A viewer tries")
    browser.find_element(By.XPATH, "//button[normalize-space()='Log feedback']").click()
    refusal = wait(browser).until(seen.presence_of_element_located((By.ID, "refusal")))
    assert "The feedback service refused this (403)" in refusal.text


def test_product_ops_reads_the_quarters_kpis_per_team(browser, rep_world):
    sign_in(browser, rep_world, org.NADIA.email, then="/inbox")
    browser.find_element(By.LINK_TEXT, "KPIs").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "kpis")))
    quarter = browser.find_element(By.ID, "quarter")
    quarter.clear()
    quarter.send_keys(rep_world.quarter)
    browser.find_element(By.XPATH, "//button[normalize-space()='Show']").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), rep_world.quarter))
    total = browser.find_element(By.ID, "kpi-total")
    assert total.text.startswith("Whole quarter")
    assert total.find_element(By.CLASS_NAME, "items").text.isdigit()
    assert f"of {len(org.DIRECTORS)} (" in total.text  # vote participation: of every director
    billing = browser.find_element(By.ID, f"kpi-{org.BILLING.team_id}")
    assert billing.find_element(By.CLASS_NAME, "items").text.isdigit()
    assert "Briefing adoption:" in browser.find_element(By.ID, "adoption").text
    screenshot(browser, "kpis")
