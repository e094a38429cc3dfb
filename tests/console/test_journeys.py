"""The console in a real browser against the real local stack: each journey as a person does it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select
from terrain_dev.demo import org

from .conftest import screenshot, sign_in, wait
from .world import SCRIPT_TEXT

pytestmark = pytest.mark.e2e


REQUEST = "//ol[@id='inbox']/li[.//h2[contains(., 'Dependency request to squad-billing')]]"


def test_a_pm_signs_in_and_sees_why_each_notification_reached_her(browser, world):
    sign_in(browser, world, org.LEA.email)
    request = wait(browser).until(seen.presence_of_element_located((By.XPATH, REQUEST)))
    assert "Why you got this: PM of Billing & Payments" in request.text
    screenshot(browser, "inbox", for_docs=True)
    request.find_element(By.XPATH, ".//button[normalize-space()='Mark read']").click()
    wait(browser).until(lambda b: "unread" not in b.find_element(By.XPATH, REQUEST).get_attribute("class"))
    browser.set_window_size(390, 844)
    wait(browser).until(lambda b: b.execute_script("return window.innerWidth") <= 390)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scroll
    screenshot(browser, "inbox-390px", for_docs=True)
    browser.set_window_size(1280, 900)


def test_a_wrong_field_shows_its_error_beside_it_and_keeps_what_was_typed(browser, world):
    sign_in(browser, world, org.LEA.email, then=f"/initiatives/{world.briefing_id}")
    problem = browser.find_element(By.ID, "f-problem")
    problem.clear()
    problem.send_keys("Finance re-keys every credit note <b>by hand</b>.")
    when = browser.find_element(By.ID, "f-quarter")
    when.clear()
    when.send_keys("next quarter")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save briefing']").click()
    error = wait(browser).until(seen.presence_of_element_located((By.ID, "e-quarter")))
    assert error.text  # the service's own message, beside the field
    assert browser.find_element(By.ID, "f-quarter").get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.ID, "f-quarter").get_attribute("value") == "next quarter"
    kept = browser.find_element(By.ID, "f-problem").get_attribute("value")
    assert kept == "Finance re-keys every credit note <b>by hand</b>."
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", error)
    screenshot(browser, "briefing-error", for_docs=True)


def test_a_director_casts_a_1_to_3_ballot_and_sees_quorum_progress(browser, world):
    sign_in(browser, world, org.CLAIRE.email, then=f"/ballots/{world.ballot_id}")
    assert "0 of 2 directors have voted" in browser.find_element(By.ID, "quorum").text
    radios = browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value='3']")
    assert len(radios) == 2
    radios[0].click()
    browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value='1']")[1].click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Cast my ballot']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "saved")))
    assert "1 of 2 directors have voted" in browser.find_element(By.ID, "quorum").text
    assert browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value='3']")[0].is_selected()
    screenshot(browser, "ballot", for_docs=True)


def test_a_viewer_is_refused_an_admin_action_by_the_service(browser, world):
    sign_in(browser, world, org.NOAH.email)
    browser.find_element(By.LINK_TEXT, "API keys").click()
    refusal = wait(browser).until(seen.presence_of_element_located((By.ID, "refusal")))
    assert "refused this (403)" in refusal.text
    assert "role viewer may not do this" in refusal.text
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not allowed"
    screenshot(browser, "viewer-refused")


def test_script_in_feedback_text_is_shown_as_text(browser, world):
    sign_in(browser, world, org.NADIA.email, then="/feedback")
    search = browser.find_element(By.ID, "q")
    search.send_keys("revenue report")
    Select(browser.find_element(By.ID, "kind")).select_by_value("customer")
    search.submit()
    found = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#feedback a")))
    found.click()
    text = wait(browser).until(seen.presence_of_element_located((By.ID, "feedback-text")))
    assert text.text == SCRIPT_TEXT
    assert browser.execute_script("return window.__pwned === undefined")
    screenshot(browser, "feedback-item")


def test_the_board_shows_the_quarter_by_status(browser, world):
    sign_in(browser, world, org.LEA.email, then=f"/initiatives?quarter={world.quarter}")
    proposed = browser.find_element(By.XPATH, "//section[h2[starts-with(normalize-space(), 'proposed')]]")
    assert "Invoice credit notes" in proposed.text and "Salesforce sync v2" in proposed.text
    screenshot(browser, "board", for_docs=True)


def test_product_ops_corrects_the_kind_of_an_item(browser, world):
    sign_in(browser, world, org.NADIA.email, then=f"/feedback/{world.feedback_id}")
    Select(browser.find_element(By.ID, "kind")).select_by_visible_text("bug")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save correction']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "saved")))
    assert "kind bug" in browser.find_element(By.ID, "corrected").text
    screenshot(browser, "feedback-corrected")


def test_a_pm_asks_another_team_and_a_refused_field_keeps_what_was_typed(browser, world):
    sign_in(browser, world, org.LEA.email, then=f"/initiatives/{world.briefing_id}")
    browser.find_element(By.ID, "d-on_team_id").send_keys(org.PLATFORM.team_id)
    browser.find_element(By.XPATH, "//button[normalize-space()='Ask']").click()
    error = wait(browser).until(seen.presence_of_element_located((By.ID, "de-description")))
    assert error.text and browser.find_element(By.ID, "de-answer_by").text
    assert browser.find_element(By.ID, "d-on_team_id").get_attribute("value") == org.PLATFORM.team_id
    browser.find_element(By.ID, "d-description").send_keys("Webhooks for refunds.")
    answer_by = (date.today() + timedelta(days=10)).isoformat()
    browser.execute_script(
        "arguments[0].value = arguments[1]", browser.find_element(By.ID, "d-answer_by"), answer_by
    )
    browser.find_element(By.XPATH, "//button[normalize-space()='Ask']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "saved")))
    assert "Webhooks for refunds." in browser.find_element(By.TAG_NAME, "main").text


def test_a_pm_answers_a_dependency_asked_of_her_team(browser, world):
    sign_in(browser, world, org.LEA.email, then=f"/dependencies?on_team_id={org.BILLING.team_id}&state=open")
    asked = browser.find_element(By.XPATH, "//ol[@id='dependencies']/li[contains(., 'Billing events')]")
    asked.find_element(By.TAG_NAME, "textarea").send_keys("Events ready in week 2.")
    asked.find_element(By.XPATH, ".//button[normalize-space()='Send answer']").click()  # no choice made
    refused = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#dependencies .error")))
    assert refused.text
    asked = browser.find_element(By.XPATH, "//ol[@id='dependencies']/li[contains(., 'Billing events')]")
    assert asked.find_element(By.TAG_NAME, "textarea").get_attribute("value") == "Events ready in week 2."
    asked.find_element(By.CSS_SELECTOR, "input[value=accepted]").click()
    asked.find_element(By.XPATH, ".//button[normalize-space()='Send answer']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "saved")))
    answered = browser.find_element(By.XPATH, "//ol[@id='dependencies']/li[contains(., 'Billing events')]")
    assert "accepted" in answered.find_element(By.CLASS_NAME, "state").text
    assert "Events ready in week 2." in answered.text
    screenshot(browser, "dependency-answered")


def test_product_ops_closes_the_ballot_and_everyone_sees_the_ranking_and_the_votes(browser, world):
    sign_in(browser, world, org.NADIA.email, then=f"/ballots/{world.ballot_id}")
    browser.find_element(By.XPATH, "//button[normalize-space()='Close the ballot now']").click()
    ranking = wait(browser).until(seen.presence_of_element_located((By.ID, "ranking")))
    assert "Invoice credit notes" in ranking.text
    assert "quorum not met" in browser.find_element(By.TAG_NAME, "main").text  # 1 director of 2
    assert org.CLAIRE.member_id in browser.find_element(By.ID, "audit").text
    screenshot(browser, "ballot-closed")


def test_product_ops_opens_a_ballot_and_a_wrong_field_is_named(browser, world):
    sign_in(browser, world, org.NADIA.email, then=f"/ballots/new?quarter={world.quarter}")
    assert len(browser.find_elements(By.CSS_SELECTOR, "input[name=candidate_ids]:checked")) == 2
    browser.find_element(By.ID, "new-quorum").send_keys("two")
    browser.find_element(By.XPATH, "//button[normalize-space()='Open the ballot']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "e-quorum")))
    assert browser.find_element(By.ID, "e-closes_at").text
    assert browser.find_element(By.ID, "new-quorum").get_attribute("value") == "two"
    quorum = browser.find_element(By.ID, "new-quorum")
    quorum.clear()
    quorum.send_keys("3")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    browser.execute_script(
        "arguments[0].value = arguments[1]", browser.find_element(By.ID, "closes_at"), tomorrow
    )
    browser.find_element(By.XPATH, "//button[normalize-space()='Open the ballot']").click()
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "quorum"), "0 of 3 directors have voted"))
