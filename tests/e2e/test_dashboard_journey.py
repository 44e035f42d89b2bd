"""A team leader opens the dashboard, follows "unrecorded outcomes" to the claimants behind it, records a coach's
sickness with a covering colleague, moves two of the absent coach's claimants, and sees the figures change —
in Debian's Chromium, with screenshots kept (test-artefacts/screenshots/dashboard-*.png)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimants.models import CoachAssignment
from iwp.dashboards.services import refresh_coach_figures
from iwp.models import CoachAbsence
from tests.appointments.factories import AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD, WorkCoachFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Jobcentre browser: British dates in the native date inputs (day/month/year).
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


def test_leader_drills_down_records_absence_and_rebalances(
    live_server, page, sign_in, team_leader, screenshot_dir
):
    team = team_leader.team
    absent = WorkCoachFactory(team=team, username="coach.absent", first_name="Alex", last_name="Absent")
    cover = WorkCoachFactory(team=team, username="coach.cover", first_name="Carol", last_name="Cover")
    # Two days back, so "earlier + i hours" never reaches today (the absence starts today) at any time of day.
    earlier = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
    claimants = []
    for i, last in enumerate(["Adams", "Brown", "Clark"]):
        c = ClaimantFactory(
            jobcentre=team.jobcentre,
            coach=absent,
            first_name="Sam",
            last_name=last,
            current_regime="light_touch",
        )
        CoachAssignment.objects.create(claimant=c, coach=absent, assigned_at=earlier - dt.timedelta(days=90))
        AppointmentFactory(coach=absent, claimant=c, starts_at=earlier + dt.timedelta(hours=i))
        claimants.append(c)
    tomorrow = AppointmentFactory(
        coach=absent, claimant=claimants[0], starts_at=timezone.now() + dt.timedelta(days=1, hours=2)
    )
    ClaimantFactory(jobcentre=team.jobcentre, coach=cover, first_name="Pat", last_name="Dale")
    refresh_coach_figures()  # what the 10-minute beat task does

    sign_in(team_leader.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text(team.name)
    expect(page.get_by_test_id("total-caseload")).to_have_text("4")
    expect(page.get_by_test_id("coach-row-coach.absent")).to_contain_text("3")
    page.screenshot(path=str(screenshot_dir / "dashboard-1-team.png"), full_page=True)

    # --- Drill down: the unrecorded outcomes number leads to the three claimants.
    expect(page.get_by_test_id("figure-unrecorded")).to_contain_text("3")
    page.get_by_test_id("link-unrecorded").click()
    expect(page.get_by_test_id("caseload")).to_contain_text("3 claimants")
    for c in claimants:
        expect(page.get_by_test_id("caseload")).to_contain_text(c.full_name)
    page.screenshot(path=str(screenshot_dir / "dashboard-2-unrecorded.png"), full_page=True)

    # --- Record the coach's sickness, covered by a colleague (keyboard-reachable GOV.UK form).
    page.goto(f"{live_server.url}/dashboard/teams/{team.pk}/")
    page.get_by_role("link", name="Record absence for Alex Absent").click()
    page.get_by_label("Sickness").check()
    today = timezone.localdate()
    for name, day in (("starts_on", today), ("ends_on", today + dt.timedelta(days=3))):
        page.locator(f"#id_{name}_0").fill(str(day.day))
        page.locator(f"#id_{name}_1").fill(str(day.month))
        page.locator(f"#id_{name}_2").fill(str(day.year))
    page.get_by_label("Covering colleague").select_option(label="Carol Cover (" + team.name + ")")
    page.screenshot(path=str(screenshot_dir / "dashboard-3-absence-form.png"), full_page=True)
    page.get_by_role("button", name="Record absence").click()
    expect(page.locator(".govuk-notification-banner, .govuk-panel, [role=alert]").first).to_contain_text(
        "1 booked appointment moved"
    )
    tomorrow.refresh_from_db()
    assert tomorrow.coach == cover
    assert CoachAbsence.objects.filter(coach=absent, covered_by=cover).exists()

    # --- Move two of the absent coach's claimants to the colleague.
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_test_id("coach-row-coach.absent")).to_contain_text("Absent to")
    page.get_by_role("link", name="Move claimants of Alex Absent").click()
    page.get_by_label("Sam Adams").check()
    page.get_by_label("Sam Brown").check()
    page.get_by_label("Move them to").select_option(label=f"Carol Cover ({team.name})")
    page.get_by_label("Handover note for the new coach").fill(
        "Alex is off sick; both have outcomes to record."
    )
    page.screenshot(path=str(screenshot_dir / "dashboard-4-reassign.png"), full_page=True)
    page.get_by_role("button", name="Move selected claimants").click()

    # --- Back on the dashboard, the figures have moved with the claimants.
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.locator("body")).to_contain_text("2 claimants moved to Carol Cover")
    absent_row = page.get_by_test_id("coach-row-coach.absent")
    cover_row = page.get_by_test_id("coach-row-coach.cover")
    expect(absent_row.locator("td").first).to_contain_text("1")
    expect(cover_row.locator("td").first).to_contain_text("3")
    expect(cover_row.locator("td").nth(1)).to_have_text("2")  # unrecorded outcomes now Carol's to chase
    page.screenshot(path=str(screenshot_dir / "dashboard-5-after.png"), full_page=True)

    # --- On a 1280 px screen the coach table fits without scrolling sideways; every column is one link away.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    region = page.locator("[aria-labelledby=coaches]")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "the coach table scrolls sideways"
    expect(page.get_by_test_id("counted-appointments")).to_contain_text("Counted at")
    expect(page.get_by_test_id("figures-freshness")).not_to_contain_text("Every other figure is live")
    page.get_by_test_id("show-all-columns").click()
    expect(page.get_by_test_id("coach-table")).to_contain_text("Intensive Work Search")
    page.screenshot(path=str(screenshot_dir / "dashboard-6-all-columns.png"), full_page=True)
    for c in claimants[:2]:
        c.refresh_from_db()
        assert c.coach == cover
        assert "Alex is off sick" in c.coach_history.get(unassigned_at__isnull=True).handover_summary
