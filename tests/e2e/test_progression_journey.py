"""The progression plan and distance travelled in Debian's Chromium (issue #16): a work coach writes a plan with
the claimant (goal in their words, a career route, dated steps), links an agreed action and a referral to its
steps, records a self-assessment, sees the plan card and the distance-travelled chart with hours and pay on the
record, reviews the plan at the appointment's outcome; the team leader sees distance travelled on the dashboard.
Screenshots are kept in test-artefacts/screens/ for people to look at."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from claimants.models import Employment, PlanReview, SelfAssessment
from claimants.progression import rules
from claimants.services import claimant_record_earnings
from iwp.dashboards.services import refresh_coach_figures
from provision.models import Referral
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD
from tests.provision.factories import OfferFactory, ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")
SCREENS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"


def fill_date(page, prefix: str, day: dt.date) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"progression-{name}.png", full_page=True)


def test_a_coach_writes_a_plan_links_it_assesses_and_reviews_it(
    live_server, page, sign_in, work_coach, team_leader
):
    today = dt.datetime.now(LONDON).date()
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=work_coach,
        first_name="Amira",
        last_name="Okafor",
        assessment_day=10,
    )
    # Hours and pay: 16 hours until three months ago, 24 since; a year of earnings rising.
    changed = today - dt.timedelta(days=95)
    Employment.objects.create(
        claimant=claimant,
        employer="Sunrise Care",
        contract_type="permanent",
        hours_per_week=16,
        hourly_pay=Decimal("12.71"),
        ended_on=changed - dt.timedelta(days=1),
    )
    Employment.objects.create(
        claimant=claimant,
        employer="Sunrise Care",
        contract_type="permanent",
        hours_per_week=24,
        hourly_pay=Decimal("12.71"),
        started_on=changed,
    )
    start = dt.date(today.year - (today.month <= 6), (today.month - 6 - 1) % 12 + 1, 10)
    for n in range(6):
        month = (start.month - 1 + n) % 12 + 1
        year = start.year + (start.month - 1 + n) // 12
        claimant_record_earnings(
            claimant=claimant, period_start=dt.date(year, month, 10), employed_earnings=Decimal(820 + 60 * n)
        )
    # The first self-assessment, at intake three months ago.
    SelfAssessment.objects.create(
        claimant=claimant,
        assessed_on=today - dt.timedelta(days=85),
        scores={q.key: 2 for q in rules.QUESTIONS},
        words={"confidence": "I don't think they'd give me more hours."},
        total=2 * len(rules.QUESTIONS),
        recorded_by=work_coach,
    )
    action = AgreedActionFactory(
        claimant=claimant, created_by=work_coach, description="Ask the care manager about NVQ funding"
    )
    offer = OfferFactory(district=claimant.jobcentre.district, name="Level 2 Adult Care certificate")
    ReferralFactory(claimant=claimant, offer=offer, created_by=work_coach)
    appointment = AppointmentFactory(
        coach=work_coach,
        claimant=claimant,
        # In UTC: London wall-clock arithmetic lands in the missing hour on the morning the clocks go forward.
        starts_at=(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).replace(second=0, microsecond=0),
    )

    sign_in(work_coach.username, TEST_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    card = page.get_by_test_id("plan-card")
    expect(card).to_contain_text("No progression plan yet")
    card.get_by_role("link", name="Write a plan").click()

    # --- 1. Write the plan: goal in her words, a career route, two dated steps (first forgetting a date).
    expect(page.get_by_role("heading", name="Write a progression plan")).to_be_visible()
    page.get_by_label("The claimant's goal, in their words").fill(
        "I want a proper career in care, not just shifts, and to earn enough to stop claiming."
    )
    page.get_by_label("A career in …").check()
    page.get_by_label("Which career?").fill("care work")
    page.get_by_label("New step", exact=True).first.fill("Start the Level 2 Adult Care certificate")
    page.locator("#id_steps-1-text").fill("Apply for a senior carer role")
    fill_date(page, "steps-1-target_on", today + dt.timedelta(days=240))
    page.get_by_role("button", name="Save the plan").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give the date the step should be done by")
    expect(page.get_by_label("Which career?")).to_have_value("care work")
    shot(page, "plan-edit-error")
    fill_date(page, "steps-0-target_on", today + dt.timedelta(days=60))
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Progression plan saved for Amira Okafor")).to_be_visible()
    expect(page.get_by_test_id("plan-route")).to_have_text("A career in care work")

    # --- 2. Link an agreed action to step 1 and a referral to step 2.
    page.get_by_role("link", name="Link agreed actions to step 1").click()
    page.get_by_label(f"{action.description}", exact=False).check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Agreed actions for ‘Start the Level 2 Adult Care certificate’ saved.")
    ).to_be_visible()
    page.get_by_role("link", name="Link referrals to step 1").click()
    page.get_by_label("Level 2 Adult Care certificate", exact=False).check()
    page.get_by_role("button", name="Save").click()
    steps = page.get_by_test_id("plan-step")
    expect(steps.nth(0)).to_contain_text("Agreed action: Ask the care manager about NVQ funding")
    expect(steps.nth(0)).to_contain_text("Referral: Level 2 Adult Care certificate")

    # --- 3. A self-assessment today.
    page.get_by_role("link", name="Record a self-assessment").click()
    expect(page.get_by_role("heading", name="Self-assessment")).to_be_visible()
    for q, score in zip(rules.QUESTIONS, [4, 4, 3, 3, 5, 4], strict=True):
        page.locator(f"input[name='{q.key}'][value='{score}']").check()
    page.get_by_label("Confidence: in their own words (optional)").fill("Feel like I can ask now.")
    shot(page, "self-assessment")
    page.get_by_role("button", name="Save the self-assessment").click()
    expect(page.get_by_text("Self-assessment saved: a total of 23 out of 30.")).to_be_visible()
    expect(page.get_by_test_id("answers")).to_contain_text("Feel like I can ask now.")
    shot(page, "plan-page")

    # --- 4. The record: the plan in one card, distance travelled with hours and pay beside it.
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    card = page.get_by_test_id("plan-card")
    expect(card.get_by_test_id("plan-goal")).to_contain_text("a proper career in care")
    expect(card).to_contain_text("Agreed action: Ask the care manager about NVQ funding")
    distance = page.get_by_test_id("distance-card")
    expect(distance.get_by_test_id("distance-summary")).to_contain_text("Latest total 23 out of 30")
    expect(distance.get_by_test_id("distance-summary")).to_contain_text("up 11 since the first")
    expect(distance.locator("circle.iwp-chart-point")).to_have_count(2)
    expect(distance.get_by_test_id("hours-and-pay")).to_contain_text("24")
    expect(distance.get_by_test_id("progress-summary")).to_contain_text("usual hours up 8 a week")
    card.scroll_into_view_if_needed()
    shot(page, "record")

    # --- 5. Review the plan at the appointment: step 1 done, what changed.
    page.goto(f"{live_server.url}/appointments/{appointment.pk}/outcome/")
    page.get_by_label("Attended", exact=True).check()
    review = page.get_by_test_id("plan-review")
    review.get_by_label("We reviewed the progression plan at this appointment").check()
    review.get_by_label("Start the Level 2 Adult Care certificate", exact=False).check()
    review.get_by_label("What changed? (optional)").fill(
        "Started the course on Monday; employer paying half."
    )
    review.scroll_into_view_if_needed()
    shot(page, "outcome-review")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Progression plan review recorded.")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.plan_review == PlanReview.objects.get()
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    expect(page.get_by_test_id("plan-reviewed")).to_contain_text("Started the course on Monday")
    expect(page.get_by_test_id("plan-card").get_by_test_id("plan-step").first).to_contain_text("Done")
    assert Referral.objects.get().plan_step_id is not None
    assert Appointment.objects.get(pk=appointment.pk).status == "attended"

    # --- 6. The team leader's dashboard: distance travelled for the team.
    refresh_coach_figures()
    page.context.clear_cookies()
    sign_in(team_leader.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    tile = page.get_by_test_id("tile-distance")
    expect(tile).to_contain_text("Self-assessed twice or more in the last 3 months")
    expect(tile.get_by_test_id("figure-distance_improved_3m")).to_contain_text("(100%)")
    tile.scroll_into_view_if_needed()
    shot(page, "dashboard")
    tile.get_by_test_id("link-distance_improved_3m").click()
    expect(
        page.get_by_role("link", name="Okafor, Amira").or_(page.get_by_text("Amira Okafor"))
    ).to_be_visible()
