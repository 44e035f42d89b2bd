"""Sign in and out in a real browser (Debian's Chromium), with screenshots kept as test artefacts."""

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_work_coach_signs_in_sees_office_and_role_then_signs_out(
    live_server, page, sign_in, work_coach, screenshot_dir
):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/sign-in/?next=/")
    expect(page.get_by_role("heading", name="Sign in to IWP Casework")).to_be_visible()
    page.screenshot(path=screenshot_dir / "sign-in.png", full_page=True)

    sign_in(work_coach.username, "not-the-password")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    page.screenshot(path=screenshot_dir / "sign-in-error.png", full_page=True)

    sign_in(work_coach.username, TEST_PASSWORD)
    expect(page).to_have_url(live_server.url + "/claimants/")
    identity = page.get_by_test_id("identity")
    expect(identity).to_contain_text(work_coach.get_full_name())
    expect(identity).to_contain_text("Work coach")
    expect(identity).to_contain_text(work_coach.team.jobcentre.name)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    # GOV.UK Frontend's JavaScript ran under the nonce CSP (it marks the body as supported).
    # The stylesheet loaded (GOV.UK blue header) and GOV.UK Frontend's ES module ran under the nonce CSP
    # (initialised components carry a data-…-init attribute).
    header_colour = page.evaluate("getComputedStyle(document.querySelector('.govuk-header')).backgroundColor")
    assert header_colour == "rgb(29, 112, 184)"
    expect(page.locator("[data-module='govuk-button'][data-govuk-button-init]").first).to_be_attached()
    page.screenshot(path=screenshot_dir / "work-coach-start.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/sign-in/")
    page.goto(live_server.url + "/claimants/")
    expect(page).to_have_url(live_server.url + "/sign-in/?next=/claimants/")


def test_skip_link_is_first_and_keyboard_reachable(live_server, page, sign_in, work_coach):
    sign_in(work_coach.username, TEST_PASSWORD)
    page.goto(
        live_server.url + "/claimants/"
    )  # a fresh load, with nothing focused, as a keyboard user arrives
    page.keyboard.press("Tab")
    skip = page.locator(".govuk-skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(__import__("re").compile(r"#main-content$"))
