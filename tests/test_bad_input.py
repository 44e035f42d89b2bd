"""Every example of issue #11, as a user typed it: each gets a clear message or a confirmation step, and a refused
submission leaves the database unchanged. (The form walk in test_form_walk.py hunts for the rest of the class.)"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.models import AgreedAction, Appointment, ContactAttempt
from claimants.models import Circumstance, Claimant, EarningsRecord, WageRate
from claimants.services import claimant_record_earnings
from iwp.input import dates
from iwp.input.fields import GovukDateField, normalise_uk_postcode
from iwp.models import CoachAbsence
from tests.appointments.conftest import LONDON, next_weekday
from tests.appointments.factories import AppointmentFactory
from tests.appointments.test_pages import booking_data, outcome_data
from tests.claimants.factories import ClaimantFactory
from tests.factories import WorkCoachFactory, govuk_date
from tests.test_form_walk import parse_forms

pytestmark = pytest.mark.django_db


def summary(response) -> str:
    return response.content.decode()


def _errors(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [e.get_text(" ", strip=True) for e in soup.select(".govuk-error-summary li")]


@pytest.fixture
def mine(work_coach):
    return ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, assessment_day=3)


# --- Earnings: a period the engine cannot decide is refused before anything is written ---------------------


@pytest.mark.parametrize(
    ("period", "words"), [("1900-01-03", "no earnings thresholds"), ("2099-01-03", "no more than one")]
)
def test_earnings_for_an_impossible_period_are_refused_and_nothing_saved(coach_client, mine, period, words):
    url = reverse("claimants:record_earnings", args=[mine.pk])
    response = coach_client.post(url, {**govuk_date("period_start", period), "employed_earnings": "500"})
    assert response.status_code == 200
    assert words in summary(response)
    assert not EarningsRecord.objects.exists()
    with pytest.raises(ValidationError):  # the service refuses too (the feed and any other caller)
        claimant_record_earnings(
            claimant=mine, period_start=dt.date.fromisoformat(period), employed_earnings=Decimal(1)
        )
    assert not EarningsRecord.objects.exists()


def test_a_household_is_never_blocked_by_an_undecidable_period(
    coach_client, mine, django_capture_on_commit_callbacks
):
    # A row saved before this check existed (1900: no thresholds) must not stop later recalculations.
    EarningsRecord.objects.create(
        claimant=mine,
        period_start=dt.date(1900, 1, 3),
        employed_earnings=Decimal(1),
        received_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = coach_client.post(
            reverse("claimants:record_earnings", args=[mine.pk]),
            {
                **govuk_date("period_start", "2025-06-03"),
                "employed_earnings": "952.38",
                "self_employed_earnings": "0",
            },
        )
    assert response.status_code == 302, _errors(response)
    mine.refresh_from_db()
    assert mine.current_regime == "light_touch"


# --- Forms that keep what they show ---------------------------------------------------------------------------


def _resubmit_as_shown(client, url):
    page = client.get(url)
    (form,) = [f for f in parse_forms(page.content.decode(), url) if f.action == url]
    return client.post(url, form.data)


def test_personal_details_can_be_saved_unchanged(coach_client, mine):
    mine.date_of_birth = dt.date(1982, 1, 7)
    mine.save()
    response = _resubmit_as_shown(coach_client, reverse("claimants:edit_details", args=[mine.pk]))
    assert response.status_code == 302, summary(response)
    mine.refresh_from_db()
    assert mine.date_of_birth == dt.date(1982, 1, 7)


def test_a_date_of_birth_must_give_an_age_of_16_to_100(coach_client, mine):
    url = reverse("claimants:edit_details", args=[mine.pk])
    page = coach_client.get(url)
    (form,) = [f for f in parse_forms(page.content.decode(), url) if f.action == url]
    for day, words in (("31-12-2999", "16 or over"), ("01-01-1900", "100 or under")):
        d, m, y = day.split("-")
        data = {**form.data, "date_of_birth_0": [d], "date_of_birth_1": [m], "date_of_birth_2": [y]}
        response = coach_client.post(url, data)
        assert response.status_code == 200 and words in summary(response)
    mine.refresh_from_db()
    assert mine.date_of_birth == dt.date(1995, 1, 1)


# --- Reference data in Django admin: form errors, never a 500 ------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"band": "adult", "min_age": 21, "max_age": None, "rate": "-1.00"}, "rate"),
        ({"band": "18_20", "min_age": 25, "max_age": 20, "rate": "9.00"}, "max_age"),
        ({"band": "18_20", "min_age": 18, "max_age": 30, "rate": "9.00"}, "band"),
        (
            {"band": "adult", "min_age": 21, "max_age": None, "rate": "1.00", "effective_from": "1800-04-01"},
            "effective_from",
        ),
    ],
)
def test_wage_rate_rows_are_checked_as_form_errors(row, field):
    data = {"effective_from": "2027-04-01", **{k: ("" if v is None else v) for k, v in row.items()}}
    form = modelform_factory(WageRate, fields=["effective_from", "band", "min_age", "max_age", "rate"])(
        data=data
    )
    assert not form.is_valid()
    assert field in form.errors, form.errors


def test_admin_wage_rate_page_shows_errors_not_a_500(client, administrator):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    response = client.post(
        "/django-admin/claimants/wagerate/add/",
        {"effective_from": "2027-04-01", "band": "adult", "min_age": "21", "max_age": "", "rate": "-1"},
    )
    assert response.status_code == 200 and "errorlist" in summary(response)
    assert not WageRate.objects.filter(effective_from=dt.date(2027, 4, 1)).exists()


# --- Appointments ---------------------------------------------------------------------------------------------


@pytest.fixture
def claimant(work_coach):
    return ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)


def test_an_appointment_more_than_12_months_ahead_is_refused(coach_client, claimant, work_coach):
    url = reverse("appointments:book", args=[claimant.pk])
    when = dt.datetime(2099, 1, 6, 10, tzinfo=LONDON)
    response = coach_client.post(url, booking_data(when, work_coach))
    assert response.status_code == 200 and "within the next 12 months" in summary(response)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("when", "extra", "words"),
    [
        (next_weekday(6, hour=3), {}, "outside office hours"),
        (next_weekday(2, hour=10), {"channel": "video"}, "digitally excluded"),
    ],
)
def test_odd_bookings_ask_for_a_confirmation(coach_client, claimant, work_coach, when, extra, words):
    claimant.digitally_excluded = True
    claimant.save()
    url = reverse("appointments:book", args=[claimant.pk])
    response = coach_client.post(url, booking_data(when, work_coach, **extra))
    assert response.status_code == 200 and words in summary(response)
    assert not Appointment.objects.exists()


def test_a_second_appointment_the_same_day_asks_for_a_confirmation(coach_client, claimant, work_coach):
    morning = next_weekday(2, hour=10)
    AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=morning)
    url = reverse("appointments:book", args=[claimant.pk])
    response = coach_client.post(url, booking_data(morning + dt.timedelta(hours=4), work_coach))
    assert response.status_code == 200 and "already has an appointment that day" in summary(response)
    assert Appointment.objects.count() == 1


def test_back_and_resubmit_books_once(coach_client, claimant, work_coach):
    url = reverse("appointments:book", args=[claimant.pk])
    data = {**booking_data(next_weekday(2, hour=10), work_coach), "form_token": str(uuid.uuid4())}
    assert coach_client.post(url, data).status_code == 302
    again = coach_client.post(url, data)
    assert again.status_code == 302 and again["Location"] == reverse("appointments:diary")
    assert Appointment.objects.count() == 1


def test_adding_a_claimant_twice_from_one_form_adds_one(coach_client):
    data = {
        "nino": "AB 12 34 56 C",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **govuk_date("date_of_birth", "1990-02-03"),
        "postcode": "B15 1TR",
        "contact_preference": "journal",
        "assessment_day": "10",
        "support_intensity": "fortnightly",
        "form_token": str(uuid.uuid4()),
    }
    first = coach_client.post(reverse("claimants:create"), data)
    second = coach_client.post(reverse("claimants:create"), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Claimant.objects.count() == 1


def test_circumstance_resubmitted_is_added_once(coach_client, mine):
    data = {"kind": "transport", "detail": "No bus before 8", "form_token": str(uuid.uuid4())}
    url = reverse("claimants:add_circumstance", args=[mine.pk])
    coach_client.post(url, data)
    coach_client.post(url, data)
    assert Circumstance.objects.filter(claimant=mine).count() == 1


def test_actions_due_in_1900_and_contact_attempts_in_2000_or_2099_are_refused(
    coach_client, claimant, work_coach
):
    past = AppointmentFactory(
        coach=work_coach,
        claimant=claimant,
        starts_at=timezone.now().replace(microsecond=0) - dt.timedelta(hours=2),
    )
    url = reverse("appointments:outcome", args=[past.pk])
    response = coach_client.post(url, outcome_data(actions=[("other", "Call back", dt.date(1900, 1, 1))]))
    assert response.status_code == 200 and "must be today or in the future" in summary(response)
    for year in (2000, 2099):
        response = coach_client.post(
            url,
            outcome_data(
                "failed_to_attend",
                contact_date_0="3",
                contact_date_1="1",
                contact_date_2=str(year),
                contact_time="10:00",
                contact_method="phone",
                contact_result="No answer",
                good_reason_decision="not_accepted",
                good_reason_text="No reply",
            ),
        )
        assert response.status_code == 200 and "date you tried to contact them must be" in summary(
            response
        ), _errors(response)
    assert not AgreedAction.objects.exists() and not ContactAttempt.objects.exists()
    past.refresh_from_db()
    assert past.status == "booked"


def test_huge_numbers_in_a_date_are_a_message_not_a_500(coach_client, claimant, work_coach):
    url = reverse("appointments:book", args=[claimant.pk])
    data = {**booking_data(next_weekday(2), work_coach), "date_0": "99999999999999999999"}
    response = coach_client.post(url, data)
    assert response.status_code == 200 and "must be a real date" in summary(response)


# --- Absences and cover ---------------------------------------------------------------------------------------


def test_absences_are_bounded_never_overlap_and_cover_needs_a_colleague_at_work(leader_client, team_leader):
    coach = WorkCoachFactory(team=team_leader.team)
    colleague = WorkCoachFactory(team=team_leader.team)
    url = reverse("iwp:record_absence", args=[coach.pk])
    today = timezone.localdate()

    def post(start, end, **extra):
        return leader_client.post(
            url, {"kind": "holiday", **govuk_date("starts_on", start), **govuk_date("ends_on", end), **extra}
        )

    assert post("1900-01-01", "2099-12-31").status_code == 400
    week = today + dt.timedelta(days=14)
    assert post(week.isoformat(), (week + dt.timedelta(days=4)).isoformat()).status_code == 302
    overlap = post((week + dt.timedelta(days=2)).isoformat(), (week + dt.timedelta(days=8)).isoformat())
    assert overlap.status_code == 400 and "already recorded as away" in summary(overlap)
    # The colleague is away; a third coach cannot be covered by her then.
    CoachAbsence.objects.create(
        coach=colleague,
        kind="holiday",
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        recorded_by=team_leader,
    )
    third = WorkCoachFactory(team=team_leader.team)
    response = leader_client.post(
        reverse("iwp:record_absence", args=[third.pk]),
        {
            "kind": "sickness",
            **govuk_date("starts_on", today.isoformat()),
            **govuk_date("ends_on", (today + dt.timedelta(days=1)).isoformat()),
            "covered_by": colleague.pk,
        },
    )
    assert response.status_code == 400 and "choose a colleague who is at work" in summary(response)
    assert CoachAbsence.objects.count() == 2


# --- Provision offers -----------------------------------------------------------------------------------------


def test_postcodes_are_real_ones():
    assert normalise_uk_postcode("b151tr") == "B15 1TR"
    assert normalise_uk_postcode("") == ""
    for bad in ("NOT A POSTCODE", "B15", "12345", "<b>B15 1TR</b>"):
        with pytest.raises(ValidationError):
            normalise_uk_postcode(bad)


# --- Property tests of the validators -------------------------------------------------------------------------

_digits = st.text(alphabet="0123456789", max_size=24)
_anything = st.one_of(_digits, st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(day=_anything, month=_anything, year=_anything)
def test_a_date_field_answers_a_date_or_a_message_never_an_exception(day, month, year):
    field = GovukDateField(what="the date", date_range=dates.APPOINTMENT)
    field.today = dt.date(2026, 12, 5)
    try:
        value = field.clean([day, month, year])
    except ValidationError as error:
        assert all(m and not m.endswith(".") for m in error.messages)
    else:
        assert dt.date(2026, 12, 5) <= value <= dt.date(2027, 12, 5)


@settings(max_examples=200, deadline=None)
@given(offset=st.integers(min_value=-50_000, max_value=50_000))
def test_a_range_refuses_exactly_the_dates_outside_it(offset):
    today = dt.date(2026, 12, 5)
    value = today + dt.timedelta(days=offset)
    problem = dates.DATE_OF_BIRTH.problem(value, today=today)
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    assert (problem is None) == (16 <= age <= 100)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True, allow_infinity=True).map(str)))
def test_money_boxes_answer_an_amount_or_a_message(text):
    from claimants.record.forms import EarningsForm

    form = EarningsForm(
        data={**govuk_date("period_start", "2025-06-10"), "employed_earnings": text},
        claimant=Claimant(assessment_day=10),
    )
    form.is_valid()  # never raises
    if "employed_earnings" not in form.errors:
        amount = form.cleaned_data["employed_earnings"]
        assert Decimal(0) <= amount <= Decimal("999999.99")


def test_reassigning_to_the_coach_they_already_have_is_refused(mine, work_coach):
    from claimants.models import CoachAssignment
    from claimants.services import claimant_reassign

    before = CoachAssignment.objects.count()
    with pytest.raises(ValidationError, match="already"):
        claimant_reassign(
            claimant=mine, to_coach=work_coach, actor=work_coach, reason="x", handover_summary="y"
        )
    assert CoachAssignment.objects.count() == before


def test_a_jobcentre_postcode_in_admin_must_be_a_real_one(client, administrator):
    from tests.factories import JobcentreFactory

    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    office = JobcentreFactory()
    url = f"/django-admin/iwp/jobcentre/{office.pk}/change/"
    data = {"district": office.district_id, "name": office.name, "postcode": "NOT A POSTCODE"}
    response = client.post(url, data)
    assert response.status_code == 200 and "Enter a real postcode" in summary(response)
    assert client.post(url, {**data, "postcode": "b151tr"}).status_code == 302
    office.refresh_from_db()
    assert office.postcode == "B15 1TR"
