"""The appointment pages: who may open them, GOV.UK errors for bad input with nothing saved, the one outcome
form, and the diary and snippets running a constant number of queries."""

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments import selectors
from appointments.models import AgreedAction, Appointment, CaseNote, ContactAttempt, GoodReasonDecision
from iwp.models import AuditEvent, CoachAbsence
from tests.appointments.conftest import LONDON, next_weekday
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import JobcentreFactory, TeamLeaderFactory

pytestmark = pytest.mark.django_db


def booking_data(when: dt.datetime, coach, prefix="", **extra):
    p = f"{prefix}-" if prefix else ""
    local = when.astimezone(LONDON)
    data = {
        f"{p}date_0": str(local.day),
        f"{p}date_1": str(local.month),
        f"{p}date_2": str(local.year),
        f"{p}time": local.strftime("%H:%M"),
        f"{p}appointment_type": "progression_review",
        f"{p}channel": "face_to_face",
        f"{p}length_minutes": "30",
        f"{p}coach": str(coach.pk),
    }
    data.update({f"{p}{k}": v for k, v in extra.items()})
    return data


def outcome_data(outcome="attended", *, next_booking=None, actions=(), **extra):
    data = {
        "outcome": outcome,
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "3",
        "next-book_next": "no",
    }
    for i, (category, description, due) in enumerate(actions):
        data.update(
            {
                f"actions-{i}-category": category,
                f"actions-{i}-description": description,
                f"actions-{i}-due_on_0": str(due.day),
                f"actions-{i}-due_on_1": str(due.month),
                f"actions-{i}-due_on_2": str(due.year),
            }
        )
    if next_booking:
        data.update(next_booking)
        data["next-book_next"] = "yes"
    data.update(extra)
    return data


def summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    return unescape(match.group(0)) if match else ""


def saved():
    return [
        m.objects.count()
        for m in (Appointment, ContactAttempt, GoodReasonDecision, CaseNote, AgreedAction, AuditEvent)
    ]


# --- Who may open what ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("work_coach", 200), ("team_leader", 200), ("progression_lead", 403), ("administrator", 403)],
)
def test_book_page_by_role(role_clients, claimant, role, status):
    assert role_clients[role].get(reverse("appointments:book", args=[claimant.pk])).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("work_coach", 200), ("team_leader", 200), ("progression_lead", 403), ("administrator", 403)],
)
def test_outcome_and_diary_by_role(role_clients, past_appointment, role, status):
    assert (
        role_clients[role].get(reverse("appointments:outcome", args=[past_appointment.pk])).status_code
        == status
    )
    assert role_clients[role].get(reverse("appointments:diary")).status_code == status


def test_anonymous_is_sent_to_sign_in(client, past_appointment):
    for url in (
        reverse("appointments:diary"),
        reverse("appointments:book", args=[past_appointment.claimant_id]),
        reverse("appointments:outcome", args=[past_appointment.pk]),
        reverse("appointments:rebook", args=[past_appointment.pk]),
        reverse("appointments:cancel", args=[past_appointment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_other_jobcentres_claimants_and_appointments_are_404(coach_client):
    elsewhere = AppointmentFactory()  # a coach and claimant of another jobcentre
    assert coach_client.get(reverse("appointments:book", args=[elsewhere.claimant_id])).status_code == 404
    for name in ("outcome", "rebook", "cancel"):
        assert coach_client.get(reverse(f"appointments:{name}", args=[elsewhere.pk])).status_code == 404


def test_a_colleagues_appointment_is_403_but_covering_is_allowed(work_coach, colleague, past_appointment):
    colleague_client = Client()
    colleague_client.force_login(colleague)
    url = reverse("appointments:outcome", args=[past_appointment.pk])
    assert colleague_client.get(url).status_code == 403
    # Covering: an appointment booked with the colleague for the work coach's claimant is theirs to record.
    cover = AppointmentFactory(
        coach=colleague, claimant=past_appointment.claimant, starts_at=past_appointment.starts_at
    )
    assert colleague_client.get(reverse("appointments:outcome", args=[cover.pk])).status_code == 200
    # Booking for a colleague's claimant is casework on them (claimants.selectors.may_edit): 403, until the
    # colleague covers the claimant's coach's absence.
    book = reverse("appointments:book", args=[past_appointment.claimant_id])
    assert colleague_client.get(book).status_code == 403
    today = timezone.localdate()
    CoachAbsence.objects.create(
        coach=work_coach,
        kind="holiday",
        starts_on=today,
        ends_on=today,
        covered_by=colleague,
        recorded_by=colleague,
    )
    assert colleague_client.get(book).status_code == 200


# --- Booking ----------------------------------------------------------------------------------------------


def test_book_page_prefills_the_suggested_date_and_shows_the_claimants_needs(
    coach_client, claimant, work_coach
):
    claimant.interpreter_language = "Polish"
    claimant.save()
    html = coach_client.get(reverse("appointments:book", args=[claimant.pk])).content.decode()
    assert "Interpreter: Polish" in html and "Work shift on Mondays, 09:00 to 17:00" in html
    assert 'name="short_notice_consent"' in html and "less than 48 hours" in html
    assert 'name="confirm_warnings"' not in html  # only once the rules have warned
    assert f'<option value="{work_coach.pk}" selected>' in html


def test_booking_a_free_slot(coach_client, claimant, work_coach):
    when = next_weekday(2, hour=14)
    response = coach_client.post(
        reverse("appointments:book", args=[claimant.pk]), booking_data(when, work_coach)
    )
    assert response.status_code == 302 and response["Location"] == reverse("appointments:diary")
    a = Appointment.objects.get()
    assert a.starts_at == when and a.booked_by == work_coach and a.channel == "face_to_face"


@pytest.mark.office_hours  # at 23:59, "this time tomorrow" would end the all-day shift, not fall inside it
def test_short_notice_and_a_clash_show_the_block_and_the_warning_then_book_when_confirmed(
    coach_client, claimant, work_coach
):
    now = dt.datetime.now(LONDON)
    when = (now + dt.timedelta(hours=24)).replace(second=0, microsecond=0)
    claimant.busy_times.create(
        kind="work",
        weekday=when.weekday(),
        starts_at=dt.time(0),
        ends_at=dt.time(23, 59),
        description="Care home",
    )
    url = reverse("appointments:book", args=[claimant.pk])
    before = saved()
    response = coach_client.post(url, booking_data(when, work_coach))
    assert response.status_code == 200 and saved() == before
    errors = summary(response)
    assert "Claimants must get at least 48 hours' notice" in errors
    assert "Check the warnings" in errors
    html = response.content.decode()
    assert "govuk-warning-text" in html and "(Care home)" in html
    acknowledged = re.search(r'name="acknowledged" value="([^"]*)"', html).group(1)
    assert acknowledged.startswith("work_clash:")
    assert response.content.decode().startswith("<!DOCTYPE html>") and "<title>Error: " in html

    confirmed = booking_data(
        when,
        work_coach,
        short_notice_consent="on",
        confirm_warnings="on",
        override_reason="Claimant is off that day",
        acknowledged=acknowledged,
    )
    response = coach_client.post(url, confirmed)
    assert response.status_code == 302
    a = Appointment.objects.get()
    assert a.short_notice_consent and a.clash_override_reason == "Claimant is off that day"


def test_confirming_without_a_reason_is_an_error(coach_client, claimant, work_coach):
    when = next_weekday(0, hour=11)  # Monday: a shift
    url = reverse("appointments:book", args=[claimant.pk])
    first = coach_client.post(url, booking_data(when, work_coach))
    acknowledged = re.search(r'name="acknowledged" value="([^"]*)"', first.content.decode()).group(1)
    response = coach_client.post(
        url, booking_data(when, work_coach, confirm_warnings="on", acknowledged=acknowledged)
    )
    assert "Give the reason for booking it despite the warnings" in summary(response)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_0": "31", "date_1": "2"}, "The date of the appointment must be a real date"),
        ({"date_0": ""}, "The date of the appointment must include a day"),
        ({"time": "25:00"}, "The time of the appointment must be a real time, like 14:30"),
        ({"time": ""}, "Enter the time of the appointment"),
        ({"channel": ""}, "Select face to face, phone or video"),
        ({"length_minutes": "15"}, "Select how long the appointment is"),
        ({"coach": "999999"}, "Select a work coach from this Jobcentre"),
    ],
)
def test_bad_booking_input_gets_a_govuk_error_and_saves_nothing(
    coach_client, claimant, work_coach, changes, message
):
    data = booking_data(next_weekday(2), work_coach)
    data.update(changes)
    response = coach_client.post(reverse("appointments:book", args=[claimant.pk]), data)
    assert response.status_code == 200
    assert message in summary(response)
    assert 'class="govuk-error-message"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_coach_from_another_jobcentre_cannot_be_chosen(coach_client, claimant, other_office_coach):
    data = booking_data(next_weekday(2), other_office_coach)
    response = coach_client.post(reverse("appointments:book", args=[claimant.pk]), data)
    assert "Select a work coach from this Jobcentre" in summary(response)


# --- Rebook and cancel --------------------------------------------------------------------------------------


def test_rebook_page_moves_the_appointment(coach_client, work_coach, claimant):
    a = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=next_weekday(2))
    url = reverse("appointments:rebook", args=[a.pk])
    assert "Move the appointment" in coach_client.get(url).content.decode()
    response = coach_client.post(url, booking_data(next_weekday(3), work_coach, reason="Asked to move"))
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "rescheduled" and a.rebookings.get().starts_at == next_weekday(3)


def test_cancel_page_needs_who_and_why(coach_client, work_coach, claimant):
    a = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=next_weekday(2))
    url = reverse("appointments:cancel", args=[a.pk])
    response = coach_client.post(url, {"by": "", "reason": ""})
    assert "Select who cancelled the appointment" in summary(response)
    assert "Give the reason the appointment was cancelled" in summary(response)
    response = coach_client.post(url, {"by": "cancelled_by_claimant", "reason": "Hospital appointment"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "cancelled_by_claimant" and a.cancelled_reason == "Hospital appointment"
    assert coach_client.get(url).status_code == 302  # already cancelled: back to the diary


# --- The outcome form -----------------------------------------------------------------------------------------


def test_outcome_form_has_everything_on_one_page(coach_client, past_appointment):
    html = coach_client.get(reverse("appointments:outcome", args=[past_appointment.pk])).content.decode()
    for needle in (
        'name="outcome"',
        'name="contact_method"',
        'name="good_reason_decision"',
        'name="note"',
        'name="barriers"',
        'name="actions-TOTAL_FORMS" value="3"',
        'name="actions-2-description"',
        'name="next-book_next"',
        "Kept as sensitive information",
    ):
        assert needle in html, needle
    suggested = selectors.suggested_next_start(
        claimant=past_appointment.claimant, coach=past_appointment.coach, after=past_appointment.starts_at
    ).astimezone(LONDON)
    assert suggested.weekday() < 5 and suggested > past_appointment.starts_at + dt.timedelta(days=50)
    assert f'name="next-date_0" value="{suggested.day}"' in html


def test_recording_attended_with_note_action_barrier_and_next(coach_client, past_appointment, work_coach):
    due = dt.date.today() + dt.timedelta(days=14)
    data = outcome_data(
        "attended",
        actions=[("more_hours", "Ask the manager for 4 more hours a week", due)],
        next_booking=booking_data(next_weekday(2), work_coach, prefix="next"),
        note="Happy at Tesco, wants more hours.",
        barriers=["childcare", "domestic_abuse"],
    )
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert response.status_code == 302, summary(response)
    past_appointment.refresh_from_db()
    assert past_appointment.status == "attended"
    assert CaseNote.objects.get().text == "Happy at Tesco, wants more hours."
    action = AgreedAction.objects.get()
    assert (action.category, action.due_on, action.origin_appointment) == (
        "more_hours",
        due,
        past_appointment,
    )
    assert past_appointment.claimant.circumstances.get(kind="domestic_abuse").sensitive
    assert Appointment.objects.filter(status="booked", claimant=past_appointment.claimant).count() == 1


def test_failed_to_attend_without_a_contact_attempt_is_refused_and_nothing_saved(
    coach_client, past_appointment
):
    before = saved()
    data = outcome_data(
        "failed_to_attend",
        note="Did not turn up",
        actions=[("other", "Call back", dt.date.today())],
    )
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert response.status_code == 200
    errors = summary(response)
    assert "Try to contact the claimant before recording that they failed to attend" in errors
    assert "Decide whether the claimant had a good reason" in errors
    assert 'href="#id_contact_method_1"' in errors
    assert saved() == before
    # What was typed is kept for the coach to finish.
    assert "Did not turn up" in response.content.decode()


def test_failed_to_attend_with_contact_and_decision(coach_client, past_appointment):
    # The coach tried to ring five minutes after the missed start (a contact attempt follows the appointment).
    tried = (past_appointment.starts_at + dt.timedelta(minutes=5)).astimezone(LONDON).replace(second=0)
    data = outcome_data(
        "failed_to_attend",
        contact_date_0=str(tried.day),
        contact_date_1=str(tried.month),
        contact_date_2=str(tried.year),
        contact_time=f"{tried:%H:%M}",
        contact_method="phone",
        contact_result="No answer, left voicemail",
        good_reason_decision="not_accepted",
        good_reason_text="No reply to the call or journal",
    )
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert response.status_code == 302, summary(response)
    past_appointment.refresh_from_db()
    assert past_appointment.status == "failed_to_attend"
    assert past_appointment.contact_attempts.get().at.astimezone(LONDON).time() == tried.time()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": ""}, "Select what happened at the appointment"),
        ({"contact_method": "phone"}, "Say what happened when you tried to contact the claimant"),
        ({"good_reason_decision": "accepted"}, "Give the reason for your good-reason decision"),
        ({"outcome": "cancelled"}, "Select who cancelled the appointment"),
        ({"actions-0-description": "Something"}, "Select what kind of action it is"),
        (
            {"next-book_next": "yes", "next-time": "noon-ish"},
            "The time of the appointment must be a real time",
        ),
        ({"outcome": "rescheduled"}, "Book the new appointment under"),
    ],
)
def test_bad_outcome_input_gets_field_errors_and_saves_nothing(coach_client, past_appointment, data, message):
    before = saved()
    response = coach_client.post(
        reverse("appointments:outcome", args=[past_appointment.pk]), outcome_data(**data)
    )
    assert response.status_code == 200
    assert message in summary(response)
    assert saved() == before


def test_a_clashing_next_appointment_warns_on_the_outcome_form(coach_client, past_appointment, work_coach):
    data = outcome_data(
        "attended", next_booking=booking_data(next_weekday(0, hour=11), work_coach, prefix="next")
    )
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert "Check the warnings" in summary(response)
    assert 'name="next-confirm_warnings"' in response.content.decode()
    past_appointment.refresh_from_db()
    assert past_appointment.status == "booked"


def test_team_leader_records_an_outcome(leader_client, past_appointment):
    response = leader_client.post(
        reverse("appointments:outcome", args=[past_appointment.pk]), outcome_data("late")
    )
    assert response.status_code == 302
    past_appointment.refresh_from_db()
    assert past_appointment.status == "late"


# --- Diary and snippets: constant queries -----------------------------------------------------------------


def _fill_diary(coach, n):
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for i in range(n):
        claimant = ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, interpreter_language="Urdu")
        AppointmentFactory(
            coach=coach, claimant=claimant, starts_at=now + dt.timedelta(days=i % 7, hours=1, minutes=i)
        )
        AppointmentFactory(coach=coach, claimant=claimant, starts_at=now - dt.timedelta(days=1, minutes=i))
        AgreedActionFactory(claimant=claimant, due_on=dt.date.today() - dt.timedelta(days=3))


def test_diary_shows_a_week_and_runs_constant_queries(coach_client, work_coach):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = coach_client.get(reverse("appointments:diary"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    _fill_diary(work_coach, 1)
    small, _ = count()
    _fill_diary(work_coach, 10)
    large, html = count()
    assert large == small
    assert html.count('data-testid="diary-day"') == 8
    assert html.count('data-testid="diary-row"') == 11
    assert "Outcomes to record" in html and "Overdue agreed actions" in html


def test_team_leader_can_look_at_a_coachs_diary(leader_client, work_coach):
    _fill_diary(work_coach, 2)
    response = leader_client.get(reverse("appointments:diary"), {"coach": work_coach.pk})
    assert f"{work_coach}'s diary" in unescape(response.content.decode())
    assert response.content.decode().count('data-testid="diary-row"') == 2
    outsider = TeamLeaderFactory(team__jobcentre=JobcentreFactory())
    assert leader_client.get(reverse("appointments:diary"), {"coach": outsider.pk}).status_code == 404


def test_caseload_snippets_render_with_constant_queries(work_coach):
    def render():
        with CaptureQueriesContext(connection) as ctx:
            context = selectors.caseload_panels(work_coach)
            html = "".join(
                render_to_string(f"appointments/{name}.html", context)
                for name in ("_todays_appointments", "_overdue_actions", "_unrecorded_outcomes")
            )
        return len(ctx.captured_queries), html

    _fill_diary(work_coach, 1)
    small, _ = render()
    _fill_diary(work_coach, 8)
    large, html = render()
    assert large == small == 2  # appointments (today and unrecorded together), overdue actions
    assert "Today's appointments" in unescape(html)


def test_claimant_snippets_render_with_constant_queries(work_coach, claimant):
    def render():
        with CaptureQueriesContext(connection) as ctx:
            context = selectors.claimant_panels(work_coach, claimant)
            html = render_to_string("appointments/_claimant_appointments.html", context) + render_to_string(
                "appointments/_claimant_actions.html", context
            )
        return len(ctx.captured_queries), html

    AppointmentFactory(coach=work_coach, claimant=claimant)
    small, _ = render()
    for i in range(6):
        AppointmentFactory(
            coach=work_coach, claimant=claimant, starts_at=next_weekday(2) + dt.timedelta(days=7 * i)
        )
        AgreedActionFactory(claimant=claimant, due_on=dt.date.today() - dt.timedelta(days=i))
    large, html = render()
    assert large == small
    assert "Book an appointment" in html and "Overdue" in html


def test_save_the_contact_attempt_only_keeps_the_appointment_to_record(
    coach_client, past_appointment, work_coach
):
    today = dt.date.today()
    tried = (past_appointment.starts_at + dt.timedelta(minutes=10)).astimezone(
        LONDON
    )  # after the missed start
    contact = {
        "contact_date_0": str(tried.day),
        "contact_date_1": str(tried.month),
        "contact_date_2": str(tried.year),
        "contact_time": f"{tried:%H:%M}",
        "contact_method": "sms",
        "contact_result": "Text sent, no reply yet",
        "good_reason_decision": "not_yet_decided",
    }
    url = reverse("appointments:outcome", args=[past_appointment.pk])
    # Without a contact attempt there is nothing to save.
    response = coach_client.post(url, outcome_data("", save="contact_only"))
    assert "Give the contact attempt: when, how and what happened" in summary(response)
    # Actions are saved with the outcome, never dropped silently.
    response = coach_client.post(
        url, outcome_data("", save="contact_only", actions=[("other", "Call back", today)], **contact)
    )
    assert "use 'Save outcome', or clear them" in summary(response)
    assert not ContactAttempt.objects.exists()

    response = coach_client.post(url, outcome_data("", save="contact_only", note="Texted.", **contact))
    assert response.status_code == 302
    past_appointment.refresh_from_db()
    assert past_appointment.status == "booked"
    assert past_appointment.contact_attempts.get().result == "Text sent, no reply yet"
    assert past_appointment.good_reason_decisions.get().decision == "not_yet_decided"
    assert selectors.unrecorded_outcomes_for_coach(work_coach).filter(pk=past_appointment.pk).exists()
    # Later, with a decision, "failed to attend" can be recorded on the strength of that attempt.
    response = coach_client.post(
        url,
        outcome_data("failed_to_attend", good_reason_decision="accepted", good_reason_text="Child was ill"),
    )
    assert response.status_code == 302, summary(response)
    past_appointment.refresh_from_db()
    assert past_appointment.status == "failed_to_attend"


def test_blank_action_forms_are_exactly_each_form_rendered():
    # The outcome page numbers one rendering of the empty form instead of rendering three (it is the page's
    # biggest cost); that must be the very HTML crispy gives for each form.
    from crispy_forms.utils import render_crispy_form

    from appointments.forms import AgreedActionFormSet, blank_action_forms

    actions = AgreedActionFormSet(prefix="actions")
    blanks = blank_action_forms(actions)
    assert blanks is not None and len(blanks) == len(actions.forms) == 3
    for form, html in zip(actions.forms, blanks, strict=True):
        assert html == render_crispy_form(form)
        assert f'name="actions-{actions.forms.index(form)}-description"' in html
    bound = AgreedActionFormSet({"actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0"}, prefix="actions")
    assert blank_action_forms(bound) is None  # submitted forms are rendered one by one, with their values


@pytest.mark.parametrize(
    ("status", "ended", "tag"),
    [
        ("booked", False, ("govuk-tag--blue", "Booked")),
        ("booked", True, ("govuk-tag--yellow", "Outcome to record")),
        ("attended", True, ("govuk-tag--green", "Attended")),
        ("failed_to_attend", True, ("govuk-tag--red", "Failed to attend")),
        ("rescheduled", False, ("govuk-tag--grey", "Rescheduled")),
    ],
)
def test_status_tag_and_links_per_row(work_coach, claimant, status, ended, tag):
    from django.template import Context, Template

    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=-2 if ended else 2)
    a = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=start, status=status)
    html = Template("{% load appointment_panels %}{% status_tag a %}|{% appointment_links a %}").render(
        Context({"a": a, "now": dt.datetime.now(dt.UTC)})
    )
    tag_html, links = html.split("|")
    assert tag_html == f'<strong class="govuk-tag {tag[0]}">{tag[1]}</strong>'
    if status == "booked":
        for name in ("rebook", "cancel"):
            assert f'href="{reverse(f"appointments:{name}", args=[a.pk])}"' in links
        assert f"{claimant.full_name}'s appointment" in links
        outcome = f'href="{reverse("appointments:outcome", args=[a.pk])}"'
        if ended:  # started: the outcome can be recorded
            local = start.astimezone(LONDON)
            assert outcome in links
            assert f"for {claimant.full_name}, {local.day} {local:%B %H:%M}" in links
        else:  # not started yet: no link that the outcome page would refuse
            assert outcome not in links
    else:
        assert links == ""


def test_the_outcome_of_an_appointment_not_yet_started_is_refused_with_the_reason(
    client, work_coach, claimant
):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=3)
    a = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=start)
    client.force_login(work_coach)
    for response in (
        client.get(reverse("appointments:outcome", args=[a.pk]), follow=True),
        client.post(reverse("appointments:outcome", args=[a.pk]), {"outcome": "attended"}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse("claimants:record", args=[claimant.pk])
        assert "You can record the outcome once the appointment starts" in response.content.decode()
    a.refresh_from_db()
    assert a.status == "booked"


def test_blank_outcome_form_is_exactly_the_form_rendered_afresh():
    from crispy_forms.utils import render_crispy_form

    from appointments.forms import OutcomeForm, blank_outcome_form

    today = dt.date.today()
    form = OutcomeForm(initial={"contact_date": today})
    first = blank_outcome_form(form)
    assert first == render_crispy_form(OutcomeForm(initial={"contact_date": today}))
    assert blank_outcome_form(OutcomeForm(initial={"contact_date": today})) is first  # rendered once
    assert f'name="contact_date_0" value="{today.day}"' in first
    tomorrow = today + dt.timedelta(days=1)
    assert f'value="{tomorrow.day}"' in blank_outcome_form(OutcomeForm(initial={"contact_date": tomorrow}))
    # Any other state is rendered as usual.
    assert blank_outcome_form(OutcomeForm({"outcome": "attended"}, appointment_start=None)) is None
    assert blank_outcome_form(OutcomeForm(initial={"contact_date": today}, contact_only=True)) is None
    assert blank_outcome_form(OutcomeForm(initial={"contact_date": today, "note": "x"})) is None
