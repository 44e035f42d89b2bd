"""The one-screen claimant record and its forms: scope, restricted information, handover, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimants.facts.selectors import current_period_start
from claimants.models import BusyTime, Circumstance, Claimant, CoachAssignment, Employment, RegimeAssessment
from claimants.services import circumstance_add, claimant_reassign, claimant_record_earnings
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.factories import JobcentreFactory, WorkCoachFactory, govuk_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(work_coach):
    return ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)


def test_record_shows_the_one_screen_summary(
    coach_client, mine, work_coach, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claimant_record_earnings(
            claimant=mine, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("1000")
        )
    circumstance_add(
        claimant=mine, kind="childcare", detail="Nursery closes at 5", sensitive=False, actor=work_coach
    )
    circumstance_add(claimant=mine, kind="health", detail="Back pain", sensitive=False, actor=work_coach)
    html = coach_client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    assert "Light Touch" in html
    assert "Nursery closes at 5" in html
    assert "Back pain" not in html  # health is always restricted
    assert "1 restricted item" in html


def test_restricted_information_is_audited_and_limited(coach_client, mine, work_coach, client):
    circumstance_add(
        claimant=mine, kind="domestic_abuse", detail="Do not phone", sensitive=True, actor=work_coach
    )
    response = coach_client.post(reverse("claimants:reveal_sensitive", args=[mine.pk]))
    assert "Do not phone" in response.content.decode()
    event = AuditEvent.objects.get(verb=AuditVerb.VIEWED_SENSITIVE)
    assert event.actor == work_coach and event.target_id == str(mine.pk)
    assert "Do not phone" not in str(event.payload)
    colleague = WorkCoachFactory(team=work_coach.team)
    client.force_login(colleague)
    assert (
        client.post(reverse("claimants:reveal_sensitive", args=[mine.pk])).status_code == 403
    )  # visible, not theirs (may_edit): 403, as in the API (was 404)
    page = client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    assert "Only the claimant's work coach and team leader can see these" in page
    assert reverse("claimants:reveal_sensitive", args=[mine.pk]) not in page
    assert AuditEvent.objects.filter(verb=AuditVerb.VIEWED_SENSITIVE).count() == 1


def test_other_jobcentre_and_wrong_roles(coach_client, lead_client, mine):
    elsewhere = ClaimantFactory(jobcentre=JobcentreFactory())
    assert coach_client.get(reverse("claimants:record", args=[elsewhere.pk])).status_code == 404
    assert lead_client.get(reverse("claimants:record", args=[mine.pk])).status_code == 403


def test_coach_can_read_but_not_edit_a_colleagues_claimant(client, work_coach, mine):
    colleague = WorkCoachFactory(team=work_coach.team)
    client.force_login(colleague)
    assert client.get(reverse("claimants:record", args=[mine.pk])).status_code == 200
    # Visible but not theirs to change: 403 (the one rule, claimants.selectors.may_edit; it was a 404 here while
    # other write pages said 403).
    assert client.get(reverse("claimants:record_earnings", args=[mine.pk])).status_code == 403


def test_create_claimant_with_bad_nino_shows_error_summary(coach_client, work_coach):
    data = {
        "nino": "QQ 12 34 56 C",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **govuk_date("date_of_birth", "1990-02-03"),
        "postcode": "B15 1TR",
        "contact_preference": "sms",
        "phone": "07911 123456",
        "interpreter_language": "",
        "assessment_day": "10",
        "support_intensity": "fortnightly",
    }
    bad = coach_client.post(reverse("claimants:create"), data)
    assert bad.status_code == 200
    assert "govuk-error-summary" in bad.content.decode()
    assert not Claimant.objects.exists()
    good = coach_client.post(reverse("claimants:create"), {**data, "nino": "ab 12 34 56 c"})
    assert good.status_code == 302
    claimant = Claimant.objects.get()
    assert (claimant.nino, claimant.coach, claimant.jobcentre) == (
        "AB123456C",
        work_coach,
        work_coach.jobcentre,
    )
    assert CoachAssignment.objects.filter(claimant=claimant, coach=work_coach, unassigned_at=None).exists()
    assert claimant.phone == "+447911123456"  # one form for every way it was typed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contact_preference": "email", "email": ""}, "email", "Enter an email address"),
        ({"contact_preference": "email", "email": "sam@"}, "email", "Enter a valid email address"),
        ({"contact_preference": "sms", "phone": ""}, "phone", "Enter a phone number"),
        ({"contact_preference": "phone", "phone": "0770"}, "phone", "Enter a UK phone number"),
        ({"contact_preference": "letter", "phone": "12345678901234"}, "phone", "Enter a UK phone number"),
    ],
)
def test_contact_details_must_fit_the_contact_preference(coach_client, changes, field, message):
    data = {
        "nino": "AB 12 34 56 C",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **govuk_date("date_of_birth", "1990-02-03"),
        "postcode": "B15 1TR",
        "contact_preference": "journal",
        "assessment_day": "10",
        "support_intensity": "fortnightly",
        **changes,
    }
    response = coach_client.post(reverse("claimants:create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field][0].startswith(message)
    assert f'href="#id_{field}"' in response.content.decode()  # linked from the error summary
    assert not Claimant.objects.exists()
    fixed = {"email": "ada@example.org", "phone": "0121 496 0000"}
    assert coach_client.post(reverse("claimants:create"), {**data, **fixed}).status_code == 302
    assert Claimant.objects.get().phone == "+441214960000"


def test_regime_facts_form_recalculates(coach_client, mine, django_capture_on_commit_callbacks):
    # A change takes effect from the start of the current assessment period unless the coach says otherwise.
    current = current_period_start(mine.assessment_day, timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        claimant_record_earnings(claimant=mine, period_start=current, employed_earnings=Decimal("1000"))
    with django_capture_on_commit_callbacks(execute=True):
        bad = coach_client.post(
            reverse("claimants:edit_regime_facts", args=[mine.pk]),
            {
                "conditionality_group": "all_work_related_requirements",
                "expected_hours": "16",
                "expected_hours_reason": "",
            },
        )
    assert "Give the reason" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = coach_client.post(
            reverse("claimants:edit_regime_facts", args=[mine.pk]),
            {
                "conditionality_group": "all_work_related_requirements",
                "expected_hours": "16",
                "expected_hours_reason": "health",
            },
        )
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.current_regime == "working_enough"
    assert RegimeAssessment.objects.current().get(claimant=mine).cause == "circumstance"


def test_earnings_form_checks_the_assessment_day(coach_client, mine, django_capture_on_commit_callbacks):
    wrong = coach_client.post(
        reverse("claimants:record_earnings", args=[mine.pk]),
        {
            **govuk_date("period_start", "2025-06-11"),
            "employed_earnings": "900",
            "self_employed_earnings": "0",
        },
    )
    assert "start on day 10" in wrong.content.decode()
    negative = coach_client.post(
        reverse("claimants:record_earnings", args=[mine.pk]),
        {
            **govuk_date("period_start", "2025-06-10"),
            "employed_earnings": "-1",
            "self_employed_earnings": "0",
        },
    )
    assert negative.status_code == 200 and "govuk-error-summary" in negative.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = coach_client.post(
            reverse("claimants:record_earnings", args=[mine.pk]),
            {
                **govuk_date("period_start", "2025-06-10"),
                "employed_earnings": "952.38",
                "self_employed_earnings": "0",
                "paydays": "1",
            },
        )
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.current_regime == "light_touch"


def test_employment_with_shifts(coach_client, mine):
    data = {
        "employer": "Greggs",
        "sector": "Retail",
        "contract_type": "zero_hours",
        "hours_per_week": "",
        "hourly_pay": "12.21",
        "pay_frequency": "weekly",
        **govuk_date("started_on", "2024-01-08"),
        "shift-TOTAL_FORMS": "5",
        "shift-INITIAL_FORMS": "0",
        "shift-MIN_NUM_FORMS": "5",
        "shift-MAX_NUM_FORMS": "14",
    }
    for i in range(5):
        data.update({f"shift-{i}-weekday": "", f"shift-{i}-starts_at": "", f"shift-{i}-ends_at": ""})
    data.update(
        {
            "shift-0-weekday": "1",
            "shift-0-starts_at": "10:00",
            "shift-0-ends_at": "15:00",
            "shift-1-weekday": "3",
            "shift-1-starts_at": "18:00",
            "shift-1-ends_at": "17:00",
        }
    )
    bad = coach_client.post(reverse("claimants:add_employment", args=[mine.pk]), data)
    assert "must end after it starts" in bad.content.decode()
    assert not Employment.objects.exists()
    data["shift-1-ends_at"] = "22:00"
    assert coach_client.post(reverse("claimants:add_employment", args=[mine.pk]), data).status_code == 302
    assert list(BusyTime.objects.values_list("weekday", "kind")) == [(1, "work"), (3, "work")]


def test_handover_keeps_history_and_shows_summary_to_new_coach(work_coach, mine, client, leader_client):
    CoachAssignment.objects.create(
        claimant=mine, coach=work_coach, assigned_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    new_coach = WorkCoachFactory(team=work_coach.team)
    response = leader_client.post(
        reverse("claimants:reassign", args=[mine.pk]),
        {
            "to_coach": new_coach.pk,
            "reason": "Rebalancing",
            "handover_summary": "Wants more hours at the bakery; ask about the bootcamp.",
        },
    )
    assert response.status_code == 302
    history = list(CoachAssignment.objects.filter(claimant=mine).order_by("assigned_at"))
    assert [a.coach for a in history] == [work_coach, new_coach]
    assert history[0].unassigned_at is not None and history[1].unassigned_at is None
    assert AuditEvent.objects.filter(verb=AuditVerb.REASSIGNED, target_id=str(mine.pk)).exists()
    client.force_login(new_coach)
    page = client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    assert "Wants more hours at the bakery" in page
    assert "2 in the last 12 months" in page


def test_reassign_refuses_a_coach_from_another_jobcentre(work_coach, mine):
    from django.core.exceptions import ValidationError

    stranger = WorkCoachFactory()
    with pytest.raises(ValidationError):
        claimant_reassign(claimant=mine, to_coach=stranger, actor=work_coach)


def test_record_runs_a_constant_number_of_queries(coach_client, mine, work_coach):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(reverse("claimants:record", args=[mine.pk])).status_code == 200
        return len(ctx.captured_queries)

    claimant_record_earnings(
        claimant=mine, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("900")
    )
    Circumstance.objects.create(claimant=mine, kind="transport")
    job = Employment.objects.create(claimant=mine, employer="A", contract_type="agency")
    BusyTime.objects.create(
        claimant=mine, employment=job, kind="work", weekday=0, starts_at=dt.time(9), ends_at=dt.time(17)
    )
    before = count()
    for month in range(7, 13):
        claimant_record_earnings(
            claimant=mine, period_start=dt.date(2025, month, 10), employed_earnings=Decimal("900")
        )
        Circumstance.objects.create(claimant=mine, kind="skills")
        job = Employment.objects.create(claimant=mine, employer=f"B{month}", contract_type="seasonal")
        BusyTime.objects.create(
            claimant=mine, employment=job, kind="work", weekday=2, starts_at=dt.time(9), ends_at=dt.time(12)
        )
    assert count() == before


def test_timeline_merges_appointments_notes_and_regime_changes(coach_client, mine, work_coach):
    from appointments.models import CaseNote
    from tests.appointments.factories import AppointmentFactory, london

    for month, pay in ((6, "500"), (7, "1000")):
        claimant_record_earnings(
            claimant=mine,
            period_start=dt.date(2025, month, 10),
            employed_earnings=Decimal(pay),
            recalculate=False,
        )
    from claimants.regimes.engine import Cause
    from claimants.regimes.recalculation import claimant_recalculate

    claimant_recalculate(claimant_id=mine.pk, cause=Cause.EARNINGS)
    AppointmentFactory(claimant=mine, coach=work_coach, starts_at=london(2025, 8, 4, 10))
    CaseNote.objects.create(claimant=mine, author=work_coach, text="Asked the manager about Saturday shifts.")
    html = coach_client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    assert "Regime change: Intensive Work Search → Light Touch" in timeline
    assert "Asked the manager about Saturday shifts." in timeline
    assert "Appointment:" in timeline
