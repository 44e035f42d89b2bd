"""A work coach writes and issues a claimant commitment with a support plan, in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD

# On the office-hours clock (tests/clock.py): the dates the test works out must still be the app's a minute later.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.office_hours]


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def fill_date(page, field_id: str, day: dt.date) -> None:
    page.locator(f"#{field_id}_0").fill(str(day.day))
    page.locator(f"#{field_id}_1").fill(str(day.month))
    page.locator(f"#{field_id}_2").fill(str(day.year))


def test_work_coach_writes_and_issues_a_commitment(live_server, page, sign_in, work_coach, screenshot_dir):
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Amira", last_name="Okafor"
    )
    today = timezone.localdate()
    ask_by = today + dt.timedelta(days=21)

    sign_in(work_coach.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/commitment/")
    expect(page.get_by_role("heading", name="Claimant commitment", level=1)).to_be_visible()
    expect(page.get_by_test_id("no-commitment")).to_contain_text("has no claimant commitment yet")
    page.get_by_role("button", name="Create the claimant commitment").click()

    expect(page.get_by_role("heading", name="Change the claimant commitment")).to_be_visible()
    expect(page.get_by_label("Expected hours of work a week")).to_have_value("35")
    page.get_by_label("What the claimant must do").fill(
        "Look for warehouse and retail work with more hours, 10 hours a week, and keep a record in the journal."
    )
    page.get_by_label("Work search hours a week").fill("50")
    page.get_by_label("New action for the claimant").fill("Ask employer for more hours")
    fill_date(page, "id_claimant-0-by_date", ask_by)
    page.get_by_label("New support from the Jobcentre").fill("Book a skills bootcamp place")
    page.get_by_role("button", name="Save draft").click()

    # A mistake: explained at the top and beside the box; what was typed is kept.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Work search hours cannot be more than the expected hours of work (35)")
    expect(page.get_by_label("New action for the claimant")).to_have_value("Ask employer for more hours")
    page.screenshot(path=screenshot_dir / "commitment-edit-error.png", full_page=True)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Work search hours a week")).to_be_focused()
    page.get_by_label("Work search hours a week").fill("10")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("Draft saved")).to_be_visible()
    expect(page.get_by_test_id("commitment-status")).to_have_text("Draft – not issued")
    expect(page.get_by_test_id("claimant-actions")).to_contain_text("Ask employer for more hours")
    expect(page.get_by_test_id("claimant-actions")).to_contain_text(long_date(ask_by))
    expect(page.get_by_test_id("support-plan")).to_contain_text("Book a skills bootcamp place")
    page.screenshot(path=screenshot_dir / "commitment-draft.png", full_page=True)

    page.get_by_role("button", name="Issue commitment").click()
    accept_by = today + dt.timedelta(days=7)
    expect(page.get_by_text(f"The claimant must accept it by {long_date(accept_by)}")).to_be_visible()
    expect(page.get_by_test_id("commitment-status")).to_have_text("Waiting for acceptance")
    expect(page.get_by_test_id("accept-by")).to_have_text(long_date(accept_by))
    expect(page.get_by_test_id("review-due")).not_to_have_text("Not set")
    expect(page.get_by_role("button", name="Record that the claimant accepted")).to_be_visible()
    page.screenshot(path=screenshot_dir / "commitment.png", full_page=True)

    # A change: the draft sits beside version 1, which stays in force (and waiting) until the draft is issued.
    page.get_by_role("button", name="Change the commitment (new version)").click()
    expect(page.get_by_text("draft version 2")).to_be_visible()
    page.get_by_label("What the claimant must do").fill(
        "Look for warehouse and retail work with more hours, 12 hours a week, and keep a record in the journal."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("draft-note")).to_contain_text("Version 1 stays in force until you issue it")
    expect(page.get_by_test_id("requirements")).to_contain_text("12 hours a week")
    page.get_by_role("link", name="Back to the current commitment").click()

    draft = page.get_by_test_id("draft-in-progress")
    expect(draft).to_contain_text("Draft in progress (version 2)")
    expect(page.get_by_test_id("version")).to_have_text("Version 1")
    body_status = page.get_by_test_id("commitment-summary").get_by_test_id("commitment-status")
    expect(body_status).to_have_text("Waiting for acceptance")
    expect(page.get_by_test_id("requirements")).to_contain_text("10 hours a week")
    page.screenshot(path=screenshot_dir / "commitment-draft-beside.png", full_page=True)

    draft.get_by_role("link", name="Check and issue the draft").click()
    page.get_by_role("button", name="Issue commitment").click()
    expect(page.get_by_text("Version 2 issued.")).to_be_visible()
    expect(page.get_by_test_id("version")).to_have_text("Version 2")
    expect(body_status).to_have_text("Waiting for acceptance")
    expect(page.get_by_test_id("draft-in-progress")).to_have_count(0)
    expect(page.get_by_test_id("old-versions")).to_contain_text("Replaced")
