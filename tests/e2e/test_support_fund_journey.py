"""A work coach asks for a Flexible Support Fund award from the claimant's record and a team leader approves it
and records the payment, in a real browser (issue #16). Screenshots go to test-artefacts/screens/support-fund/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimants.models import SupportFundAward
from tests.claimants.factories import ClaimantFactory
from tests.claimants.support_fund_factories import assess, budget, default_rules
from tests.factories import TEST_PASSWORD

# On the office-hours clock (tests/clock.py): the dates the test works out must still be the app's a minute later.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.office_hours]

SCREENS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens" / "support-fund"


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_coach_requests_an_award_and_a_team_leader_approves_it(
    live_server, page, sign_in, work_coach, team_leader
):
    default_rules()
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Amira", last_name="Okafor"
    )
    assess(claimant, timezone.localdate(), "light_touch")
    budget(work_coach.jobcentre, "2000.00")

    # The coach asks, from the claimant's record.
    sign_in(work_coach.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    card = page.get_by_test_id("support-fund-card")
    expect(card).to_contain_text("No awards requested yet")
    card.get_by_role("link", name="Request a Flexible Support Fund award").click()
    expect(page.get_by_role("heading", name="Request a Flexible Support Fund award", level=1)).to_be_visible()
    expect(page.get_by_test_id("eligibility")).to_contain_text("Light Touch")
    expect(page.get_by_test_id("budget-left")).to_contain_text("£2,000.00 left of £2,000.00")
    shot(page, "01-request")

    page.get_by_label("Training or a course").check()
    page.get_by_label("Amount, in pounds").fill("two hundred")
    page.get_by_label("Supplier").fill("City College")
    page.get_by_role("button", name="Send for a team leader's decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The amount must be an amount of money, like 149.99")
    expect(page.get_by_label("Supplier")).to_have_value("City College")  # what was typed is kept
    shot(page, "02-request-error")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Amount, in pounds")).to_be_focused()
    page.get_by_label("Amount, in pounds").fill("£1,250")
    page.get_by_label("How will it help").fill(
        "Forklift licence: the warehouse will offer 10 more hours a week."
    )
    page.get_by_role("button", name="Send for a team leader's decision").click()

    expect(page.get_by_text("Request for £1,250.00 sent to a team leader for a decision.")).to_be_visible()
    expect(page.get_by_test_id("award-status")).to_have_text("Waiting for a decision")
    expect(page.get_by_test_id("award-regime")).to_have_text("Light Touch")
    shot(page, "03-requested")
    page.get_by_role("button", name="Sign out").click()

    # The team leader decides it from their list of requests waiting.
    sign_in(team_leader.username, TEST_PASSWORD)
    page.get_by_role("link", name="Flexible Support Fund").first.click()
    waiting = page.get_by_test_id("waiting-awards")
    expect(waiting).to_contain_text("Amira Okafor")
    expect(waiting).to_contain_text("£1,250.00")
    shot(page, "04-waiting")
    waiting.get_by_role("link", name="Amira Okafor").click()
    expect(page.get_by_test_id("budget-left")).to_contain_text("£2,000.00 left of £2,000.00")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select approve or refuse")
    page.get_by_label("Approve the award").check()
    page.get_by_label("Reason or note").fill("Clear route to more hours.")
    shot(page, "05-decide")
    page.get_by_role("button", name="Save decision").click()

    expect(page.get_by_text("Award of £1,250.00 approved and committed against the budget.")).to_be_visible()
    expect(page.get_by_test_id("award-status")).to_have_text("Approved, not yet paid")
    expect(page.get_by_test_id("award-outcome")).to_contain_text("Not known yet")
    shot(page, "06-approved")

    page.get_by_label("Payment reference (optional)").fill("PO-20417")
    page.get_by_role("button", name="Record that it has been paid").click()
    expect(page.get_by_test_id("award-status")).to_have_text("Paid")

    award = SupportFundAward.objects.get()
    assert (award.status, award.decided_by_id, award.payment_reference) == (
        "paid",
        team_leader.pk,
        "PO-20417",
    )

    # The team dashboard shows the money spent against the jobcentre's budget.
    page.goto(f"{live_server.url}/dashboard/")
    budgets = page.get_by_test_id("support-fund-budgets")
    expect(budgets.get_by_test_id("spent")).to_have_text("£1,250.00")
    expect(budgets.get_by_test_id("left")).to_have_text("£750.00")
    expect(page.get_by_test_id("tile-support_fund")).to_be_visible()
    shot(page, "07-dashboard")
    budgets.get_by_role("link", name=work_coach.jobcentre.name).click()
    expect(page.get_by_test_id("spent")).to_contain_text("£1,250.00")
    expect(page.get_by_test_id("charged-awards")).to_contain_text("Amira Okafor")
    shot(page, "08-budget")
