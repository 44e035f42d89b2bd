"""A work coach books, overrides, records outcomes and is stopped from a careless "failed to attend" — in a real
browser (Debian's Chromium), partly by keyboard alone, with screenshots kept."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from appointments.models import AgreedAction, Appointment, CaseNote, ContactAttempt
from claimants.models import BusyTime
from tests.appointments.factories import AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")


def fill_date(page, name: str, day: dt.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def tab_to(page, name: str, *, limit: int = 120) -> None:
    """Press Tab until the element named ``name`` has the focus (a keyboard user's way through the form)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"Tab never reached {name}")


def test_coach_books_with_consent_and_override_then_records_outcomes(
    live_server, page, sign_in, work_coach, screenshot_dir
):
    now = dt.datetime.now(LONDON)
    tomorrow = (now + dt.timedelta(days=1)).date()
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=work_coach,
        first_name="Jo",
        last_name="Bloggs",
        contact_preference="sms",
        interpreter_language="Polish",
    )
    BusyTime.objects.create(
        claimant=claimant,
        kind="work",
        weekday=tomorrow.weekday(),
        starts_at=dt.time(9),
        ends_at=dt.time(17),
        description="Tesco Extra",
    )
    earlier = now.astimezone(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    seen = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=earlier)
    other = ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Sam", last_name="Missed"
    )
    missed = AppointmentFactory(
        coach=work_coach, claimant=other, starts_at=earlier - dt.timedelta(minutes=45)
    )

    sign_in(work_coach.username, TEST_PASSWORD)

    # --- Book for tomorrow at noon: less than 48 hours away, and during a shift.
    page.goto(f"{live_server.url}/appointments/book/{claimant.pk}/")
    expect(page.get_by_role("heading", name="Book an appointment", level=1)).to_be_visible()
    expect(page.get_by_test_id("claimant-needs")).to_contain_text("Interpreter: Polish")
    expect(page.get_by_test_id("busy-times")).to_contain_text("Work shift on")
    fill_date(page, "date", tomorrow)
    page.get_by_label("Time").fill("12:00")
    page.get_by_label("Type of appointment").select_option(label="Progression review")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("30 minutes").check()
    page.get_by_role("button", name="Book appointment").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("at least 48 hours' notice")
    expect(summary).to_contain_text("Check the warnings")
    warnings = page.get_by_test_id("booking-warnings")
    expect(warnings).to_contain_text("This clashes with the claimant's work shift")
    expect(warnings).to_contain_text("(Tesco Extra)")
    page.screenshot(path=screenshot_dir / "booking-warnings.png", full_page=True)
    assert not Appointment.objects.filter(starts_at__date__gte=tomorrow).exists()

    # The summary's link takes the coach to the consent box.
    summary.get_by_role("link", name=re.compile("48 hours' notice")).click()
    expect(page.get_by_label(re.compile("The claimant agreed to less than 48 hours"))).to_be_focused()
    page.get_by_label(re.compile("The claimant agreed to less than 48 hours")).check()
    page.get_by_label(re.compile("Book anyway")).check()
    page.get_by_label("Why are you booking it anyway?").fill("Jo has swapped this shift and asked for noon")
    page.get_by_role("button", name="Book appointment").click()

    expect(page).to_have_url(f"{live_server.url}/appointments/diary/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Appointment booked for Jo Bloggs"
    )
    booked = Appointment.objects.get(claimant=claimant, status="booked", starts_at__date__gte=tomorrow)
    assert booked.short_notice_consent and booked.consent_recorded_by == work_coach
    assert booked.clash_override_reason == "Jo has swapped this shift and asked for noon"
    assert booked.starts_at.astimezone(LONDON).time() == dt.time(12)
    expect(page.get_by_test_id("unrecorded-outcomes")).to_contain_text("Jo Bloggs")
    page.screenshot(path=screenshot_dir / "diary.png", full_page=True)

    # --- Record "attended" for the appointment an hour ago, by keyboard alone.
    page.goto(f"{live_server.url}/appointments/{seen.pk}/outcome/")
    expect(page.get_by_role("heading", name="Record the outcome", level=1)).to_be_visible()
    page.locator("#main-content").focus()
    tab_to(page, "outcome")
    page.keyboard.press("Space")  # the first radio: Attended
    expect(page.get_by_label("Attended", exact=True)).to_be_checked()
    expect(page.get_by_role("button", name="Save the contact attempt only")).to_be_hidden()  # only for FTA
    tab_to(page, "note")
    page.keyboard.type("Jo is settled at Tesco and wants more hours. Manager is open to it.")
    tab_to(page, "actions-0-category")
    page.keyboard.type("Ask")
    expect(page.locator("#id_actions-0-category")).to_have_value("more_hours")
    tab_to(page, "actions-0-description")
    page.keyboard.type("Ask the manager for 4 more hours a week")
    due = (now + dt.timedelta(days=14)).date()
    for part, value in (("0", due.day), ("1", due.month), ("2", due.year)):
        tab_to(page, f"actions-0-due_on_{part}")
        page.keyboard.type(str(value))
    # Tomorrow's appointment is already booked, so the form does not offer to book another.
    expect(page.get_by_test_id("upcoming")).to_contain_text("Already booked: Progression review")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    page.screenshot(path=screenshot_dir / "outcome-form.png", full_page=True)
    tab_to(page, "actions-0-due_on_2")  # still there: Enter in a box submits the form
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/appointments/diary/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Outcome recorded for Jo Bloggs"
    )
    seen.refresh_from_db()
    assert seen.status == "attended"
    assert CaseNote.objects.get(appointment=seen).text.startswith("Jo is settled")
    action = AgreedAction.objects.get(origin_appointment=seen)
    assert (action.category, action.due_on) == ("more_hours", due)

    # --- "Failed to attend" without trying to contact the claimant: refused, nothing saved.
    page.goto(f"{live_server.url}/appointments/{missed.pk}/outcome/")
    page.get_by_label("Failed to attend").check()
    expect(page.get_by_role("group", name="How did you try?")).to_be_visible()  # revealed
    expect(page.get_by_role("button", name="Save the contact attempt only")).to_be_visible()
    page.get_by_label("Discussion notes").fill("Did not come.")
    page.get_by_label("No", exact=True).check()  # no next appointment yet
    page.get_by_role("button", name="Save outcome").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Try to contact the claimant before recording that they failed to attend")
    expect(summary).to_contain_text("Decide whether the claimant had a good reason")
    expect(page.get_by_label("Failed to attend")).to_be_checked()
    expect(page.get_by_label("Discussion notes")).to_have_value("Did not come.")
    page.screenshot(path=screenshot_dir / "fta-error.png", full_page=True)
    missed.refresh_from_db()
    assert missed.status == "booked"
    assert not ContactAttempt.objects.exists() and not CaseNote.objects.filter(appointment=missed).exists()
