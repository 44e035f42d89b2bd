"""A work coach uses the regime calculator in a real browser (Debian's Chromium), with a screenshot kept."""

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, name: str, day: str, month: str, year: str) -> None:
    page.locator(f"#id_{name}_0").fill(day)
    page.locator(f"#id_{name}_1").fill(month)
    page.locator(f"#id_{name}_2").fill(year)


def test_work_coach_works_out_a_regime_and_the_better_off_figure(
    live_server, page, sign_in, work_coach, screenshot_dir
):
    sign_in(work_coach.username, TEST_PASSWORD)
    page.get_by_role("link", name="Regime calculator").click()
    expect(page).to_have_url(live_server.url + "/claimants/calculator/")
    expect(page.get_by_role("heading", name="Regime calculator", level=1)).to_be_visible()

    # The partner's questions are revealed only when needed (GOV.UK conditional radios).
    expect(page.get_by_label("Partner's employed earnings in this assessment period")).to_be_hidden()

    fill_date(page, "period_start", "10", "6", "2025")
    fill_date(page, "date_of_birth", "1", "1", "1995")
    page.get_by_label("Employed earnings in this assessment period", exact=True).fill("952.38")
    page.get_by_label("Working extra hours each week").check()
    page.get_by_label("Extra hours a week").fill("8")
    page.get_by_label("Pay for each extra hour").fill("12.21")
    page.get_by_label("No", exact=True).last.check()  # no housing costs: the higher work allowance
    page.get_by_role("button", name="Calculate").click()

    # Posted, not a GET: the date of birth and the earnings never reach the URL or the server log (issue #11).
    expect(page).to_have_url(live_server.url + "/claimants/calculator/")
    expect(page.get_by_test_id("regime")).to_contain_text("Light Touch")
    expect(page.get_by_test_id("explanation")).to_contain_text("meet the single AET of £952.38")
    expect(page.get_by_test_id("better-off")).to_contain_text("You would be £190.48 a month better off")
    expect(page.get_by_test_id("what-if")).to_contain_text("Goes down by £232.80 a month")
    expect(page.get_by_text("does not take off tax, National Insurance or pension")).to_be_visible()
    page.screenshot(path=screenshot_dir / "calculator.png", full_page=True)

    # A mistake is explained at the top and beside the box, and nothing breaks.
    page.get_by_label("Employed earnings in this assessment period", exact=True).fill("-5")
    page.get_by_role("button", name="Calculate").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("The claimant's employed earnings cannot be negative")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Employed earnings in this assessment period", exact=True)).to_be_focused()
    page.screenshot(path=screenshot_dir / "calculator-error.png", full_page=True)
