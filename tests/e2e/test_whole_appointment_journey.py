"""One whole appointment, in the order a work coach lives it, in Debian's Chromium: find the claimant on the
caseload (by keyboard), read the one-screen record, record the outcome with an agreed action and book the next
appointment (seeing the 48-hour and shift-clash warnings), update the claimant commitment, and see the caseload
reflect it. Screenshots are kept for people to look at."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from appointments.models import AgreedAction, Appointment, CaseNote
from claimants.models import BusyTime, ClaimantCommitment
from tests.appointments.factories import AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.office_hours]

LONDON = ZoneInfo("Europe/London")


def tab_to(page, selector_js: str, *, limit: int = 150) -> None:
    """Press Tab until ``selector_js`` (a JS expression over ``el``) is true of the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!el && ({selector_js}); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached an element where {selector_js}")


def fill_date(page, prefix: str, day: dt.date) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def test_a_whole_appointment_from_caseload_to_commitment(
    live_server, page, sign_in, work_coach, screenshot_dir, settings
):
    # A Wednesday morning (the office_hours clock): today's appointment ends today, and tomorrow is a working day
    # under 48 hours away, so the short-notice warning shows whenever CI runs this.
    now = dt.datetime.now(LONDON).replace(second=0, microsecond=0)
    assert now.weekday() == 2 and now.hour == 10
    tomorrow = (now + dt.timedelta(days=1)).date()
    notice = settings.IWP_MIN_NOTICE_HOURS = 48
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=work_coach,
        first_name="Priya",
        last_name="Raman",
        nino="JK123456A",
        contact_preference="sms",
        phone="+447911123456",
        digitally_excluded=True,
    )
    BusyTime.objects.create(
        claimant=claimant,
        kind="caring",
        weekday=tomorrow.weekday(),
        starts_at=dt.time(14, 30),
        ends_at=dt.time(16),
        description="School pick-up",
    )
    # Today's appointment started a few minutes ago; others on the caseload so the search has work to do.
    today_appointment = AppointmentFactory(
        coach=work_coach, claimant=claimant, starts_at=(now - dt.timedelta(minutes=5)).astimezone(dt.UTC)
    )
    for last_name in ("Rahman", "Ramsay", "Abbott"):
        ClaimantFactory(
            jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Alex", last_name=last_name
        )

    # --- 1. Find the claimant on the caseload, by keyboard alone.
    sign_in(work_coach.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My caseload", level=1)).to_be_visible()
    expect(page.get_by_test_id("caseload")).to_contain_text("4 claimants")
    page.keyboard.press("Tab")  # the first Tab reaches the skip link
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, "el.name === 'q'")
    page.keyboard.type("JK 12 34 56 A")
    page.keyboard.press("Enter")
    table = page.get_by_test_id("caseload")
    expect(table).to_contain_text("1 claimant")
    expect(table).to_contain_text("Priya Raman")
    expect(table).not_to_contain_text("Rahman")
    page.screenshot(path=screenshot_dir / "journey-1-caseload-search.png", full_page=True)
    tab_to(page, "el.textContent.trim() === 'Priya Raman'")
    page.keyboard.press("Enter")

    # --- 2. The one-screen record: needs, busy times, today's appointment.
    expect(page.get_by_role("heading", name=re.compile("Priya Raman"), level=1)).to_be_visible()
    expect(page.locator("body")).to_contain_text("Digitally excluded")
    expect(page.locator("body")).to_contain_text("+447911123456")
    page.screenshot(path=screenshot_dir / "journey-2-record.png", full_page=True)
    page.get_by_role("link", name=re.compile("Record outcome")).first.click()

    # --- 3. One form: attended, notes, an agreed action and the next appointment.
    expect(page.get_by_role("heading", name="Record the outcome", level=1)).to_be_visible()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Discussion notes").fill(
        "Priya's manager may offer Saturday shifts. Childcare is the barrier."
    )
    page.locator("#id_actions-0-category").select_option("more_hours")
    page.locator("#id_actions-0-description").fill("Ask the manager about Saturday shifts")
    due = (now + dt.timedelta(days=10)).date()
    fill_date(page, "actions-0-due_on", due)
    page.locator("#id_next-book_next_0").check()  # Yes, book the next appointment now
    fill_date(page, "next-date", tomorrow)
    page.locator("#id_next-time").fill("14:45")
    page.locator("#id_next-appointment_type").select_option("progression_review")
    page.locator("#main-content").get_by_label(
        "Face to face", exact=True
    ).check()  # Priya is digitally excluded
    page.locator("#main-content").get_by_label("20 minutes").check()
    page.get_by_role("button", name="Save outcome").click()

    # The next working day at 14:45 is short notice and during the school pick-up: warned, nothing saved.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(f"{notice} hours")
    expect(page.get_by_test_id("booking-warnings")).to_contain_text("School pick-up")
    page.screenshot(path=screenshot_dir / "journey-3-outcome-warnings.png", full_page=True)
    today_appointment.refresh_from_db()
    assert today_appointment.status == "booked" and not CaseNote.objects.exists()
    # What was typed is still there.
    expect(page.locator("#id_actions-0-description")).to_have_value("Ask the manager about Saturday shifts")

    # The coach moves it to 10:00, outside the pick-up, and records Priya's agreement to the short notice.
    page.locator("#id_next-time").fill("10:00")
    page.get_by_label(re.compile(f"The claimant agreed to less than {notice} hours")).check()
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Outcome recorded for Priya Raman"
    )

    today_appointment.refresh_from_db()
    assert today_appointment.status == "attended"
    assert CaseNote.objects.get(appointment=today_appointment).text.startswith("Priya's manager")
    action = AgreedAction.objects.get(origin_appointment=today_appointment)
    assert (action.category, action.due_on) == ("more_hours", due)
    following = Appointment.objects.get(claimant=claimant, status="booked")
    assert following.starts_at.astimezone(LONDON) == dt.datetime.combine(tomorrow, dt.time(10), tzinfo=LONDON)
    assert following.short_notice_consent and not following.overridden_warnings

    # --- 4. Update the claimant commitment from the record.
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    expect(page.get_by_test_id("claimant-actions")).to_contain_text("Ask the manager about Saturday shifts")
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/commitment/")
    page.get_by_role("button", name="Create the claimant commitment").click()
    page.get_by_label("What the claimant must do").fill("Ask for Saturday shifts and look for a second job.")
    page.get_by_label("Work search hours a week").fill("5")
    page.get_by_label("New action for the claimant").fill("Ask the manager about Saturday shifts")
    page.get_by_label("New support from the Jobcentre").fill("Find childcare support for Saturdays")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    page.get_by_role("button", name="Issue commitment").click()
    expect(page.get_by_test_id("commitment-status")).to_have_text("Waiting for acceptance")
    page.screenshot(path=screenshot_dir / "journey-4-commitment.png", full_page=True)
    assert ClaimantCommitment.objects.get(claimant=claimant).status == "issued"

    # --- 5. Back on the caseload, the next appointment and the commitment show, and the filter finds her.
    page.goto(f"{live_server.url}/claimants/?sort=next_appointment&show=awaiting_acceptance")
    table = page.get_by_test_id("caseload")
    expect(table).to_contain_text("1 claimant")
    row = table.get_by_role("row", name=re.compile("Priya Raman"))
    expect(row).to_contain_text(f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}, 10:00")
    expect(row).to_contain_text("Not yet accepted")
    page.screenshot(path=screenshot_dir / "journey-5-caseload-after.png", full_page=True)
