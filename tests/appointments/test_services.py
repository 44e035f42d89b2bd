"""Booking, rebooking, cancelling and recording outcomes through the services: rules applied, rows audited,
all or nothing."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from appointments import services
from appointments.models import AgreedAction, Appointment, CaseNote, ContactAttempt, GoodReasonDecision
from appointments.rules import IssueCode, Status
from claimants.models import Circumstance
from iwp.models import AuditEvent, CoachAbsence
from tests.appointments.conftest import next_weekday
from tests.appointments.factories import AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamLeaderFactory

pytestmark = pytest.mark.django_db

BASE = {"appointment_type": "progression_review", "channel": "phone", "length_minutes": 30}


def book(claimant, coach, starts_at, **extra):
    return services.appointment_book(
        claimant=claimant, coach=coach, actor=coach, starts_at=starts_at, **BASE, **extra
    )


def counts():
    return {
        m.__name__: m.objects.count()
        for m in (
            Appointment,
            ContactAttempt,
            GoodReasonDecision,
            CaseNote,
            AgreedAction,
            Circumstance,
            AuditEvent,
        )
    }


# --- Booking --------------------------------------------------------------------------------------------


def test_book_with_enough_notice_and_no_clash_is_audited(work_coach, claimant):
    start = next_weekday(2)  # a Wednesday, free
    a = book(claimant, work_coach, start, private_room=True)
    assert a.status == "booked" and a.ends_at == start + dt.timedelta(minutes=30)
    assert a.notice_hours_at_booking >= 7 * 24
    assert not a.short_notice_consent and a.consent_recorded_by is None
    event = AuditEvent.objects.get(target_type="appointments.appointment", target_id=str(a.pk))
    assert event.actor == work_coach and event.verb == "created"


def test_short_notice_blocks_until_consent_is_recorded(work_coach, claimant):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=24)
    before = counts()
    with pytest.raises(services.BookingRefused) as refused:
        book(claimant, work_coach, start, confirmed_warnings=(), override_reason="")
    assert IssueCode.SHORT_NOTICE in [i.code for i in refused.value.check.blocks]
    assert counts() == before
    refusal = refused.value
    a = book(
        claimant,
        work_coach,
        start,
        short_notice_consent=True,
        confirmed_warnings=refusal.check.warning_keys,
        override_reason="Claimant asked for it" if refusal.check.warnings else "",
    )
    assert a.short_notice_consent and a.consent_recorded_by == work_coach and a.consent_recorded_at
    assert a.notice_hours_at_booking in (23, 24)


def test_clash_with_a_shift_needs_confirmation_and_a_reason(work_coach, claimant):
    monday = next_weekday(0, hour=11)
    with pytest.raises(services.BookingRefused) as refused:
        book(claimant, work_coach, monday)
    check = refused.value.check
    assert [i.code for i in check.warnings] == [IssueCode.WORK_CLASH] and not check.blocks
    with pytest.raises(services.BookingRefused) as no_reason:
        book(claimant, work_coach, monday, confirmed_warnings=check.warning_keys)
    assert no_reason.value.reason_missing
    a = book(
        claimant,
        work_coach,
        monday,
        confirmed_warnings=check.warning_keys,
        override_reason="Day off that week",
    )
    assert a.clash_override_reason == "Day off that week"
    assert a.overridden_warnings[0]["code"] == "work_clash"


def test_shifts_of_a_job_that_has_ended_do_not_clash(work_coach, claimant):
    from claimants.models import Employment

    job = Employment.objects.create(claimant=claimant, employer="Old job", contract_type="permanent")
    job.ended_on = dt.date(2020, 1, 1)
    job.save()
    claimant.busy_times.update(employment=job)
    assert book(claimant, work_coach, next_weekday(0, hour=11)).pk


def test_coach_diary_overlap_blocks(work_coach, claimant):
    other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    start = next_weekday(2)
    book(other, work_coach, start)
    with pytest.raises(services.BookingRefused) as refused:
        book(claimant, work_coach, start + dt.timedelta(minutes=15))
    assert [i.code for i in refused.value.check.blocks] == [IssueCode.COACH_OVERLAP]
    assert book(claimant, work_coach, start + dt.timedelta(minutes=30)).pk  # back to back is fine


def test_cancelled_appointments_free_the_slot(work_coach, claimant):
    start = next_weekday(2)
    first = book(claimant, work_coach, start)
    services.appointment_cancel(
        appointment=first, actor=work_coach, by=Status.CANCELLED_BY_CLAIMANT, reason="Ill"
    )
    assert book(claimant, work_coach, start).pk


def test_booking_for_a_colleagues_claimant_warns_about_continuity(colleague, claimant):
    start = next_weekday(2)
    with pytest.raises(PermissionDenied):  # not theirs to book for (claimants.selectors.may_edit) ...
        book(claimant, colleague, start)
    today = timezone.localdate()  # ... until they cover the claimant's coach
    CoachAbsence.objects.create(
        coach=claimant.coach,
        kind="holiday",
        starts_on=today,
        ends_on=today,
        covered_by=colleague,
        recorded_by=colleague,
    )
    with pytest.raises(services.BookingRefused) as refused:
        book(claimant, colleague, start)
    assert [i.code for i in refused.value.check.warnings] == [IssueCode.NOT_USUAL_COACH]


def test_who_may_book(work_coach, claimant, other_office_coach, progression_lead, administrator):
    start = next_weekday(2)
    for outsider in (other_office_coach, progression_lead, administrator):
        with pytest.raises(PermissionDenied):
            services.appointment_book(
                claimant=claimant, coach=work_coach, actor=outsider, starts_at=start, **BASE
            )
    with pytest.raises(ValidationError):
        services.appointment_book(
            claimant=claimant, coach=other_office_coach, actor=work_coach, starts_at=start, **BASE
        )
    leader = TeamLeaderFactory(team=work_coach.team)
    assert services.appointment_book(
        claimant=claimant, coach=work_coach, actor=leader, starts_at=start, **BASE
    ).pk


@pytest.mark.django_db(transaction=True)
def test_two_people_booking_the_same_slot_at_once_get_one_appointment(work_coach, claimant):
    other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    start = next_weekday(2)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(who):
        try:
            barrier.wait()
            book(who, work_coach, start)
            results.append("booked")
        except services.BookingRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in (claimant, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked", "refused"]
    assert Appointment.objects.filter(coach=work_coach).count() == 1


# --- Rebook and cancel ----------------------------------------------------------------------------------


def test_rebook_keeps_the_old_one_as_rescheduled(work_coach, claimant):
    start = next_weekday(2)
    old = book(claimant, work_coach, start)
    # Fifteen minutes later overlaps the old slot, which is being given up: no block.
    new = services.appointment_rebook(
        appointment=old,
        actor=work_coach,
        starts_at=start + dt.timedelta(minutes=15),
        reason="Bus strike",
        **BASE,
    )
    old.refresh_from_db()
    assert old.status == Status.RESCHEDULED and old.cancelled_reason == "Bus strike"
    assert new.rebooked_from == old and new.status == "booked"
    with pytest.raises(services.OutcomeRefused):
        services.appointment_rebook(appointment=old, actor=work_coach, starts_at=start, **BASE)


def test_cancel_needs_a_reason_and_happens_once(work_coach, claimant):
    a = book(claimant, work_coach, next_weekday(2))
    with pytest.raises(services.OutcomeRefused):
        services.appointment_cancel(
            appointment=a, actor=work_coach, by=Status.CANCELLED_BY_JOBCENTRE, reason=" "
        )
    services.appointment_cancel(
        appointment=a, actor=work_coach, by=Status.CANCELLED_BY_JOBCENTRE, reason="Coach ill"
    )
    a.refresh_from_db()
    assert a.status == Status.CANCELLED_BY_JOBCENTRE and a.outcome_recorded_by == work_coach
    with pytest.raises(services.OutcomeRefused, match="already recorded"):
        services.appointment_cancel(
            appointment=a, actor=work_coach, by=Status.CANCELLED_BY_CLAIMANT, reason="x"
        )


def test_only_the_coaches_concerned_or_a_team_leader_change_an_appointment(work_coach, claimant, colleague):
    a = book(claimant, work_coach, next_weekday(2))
    with pytest.raises(PermissionDenied):
        services.appointment_cancel(
            appointment=a, actor=colleague, by=Status.CANCELLED_BY_CLAIMANT, reason="x"
        )
    leader = TeamLeaderFactory(team=work_coach.team)
    services.appointment_cancel(
        appointment=a, actor=leader, by=Status.CANCELLED_BY_CLAIMANT, reason="Phoned in"
    )


# --- Recording the outcome ------------------------------------------------------------------------------


def test_attended_with_note_barriers_actions_and_next_appointment(work_coach, claimant, past_appointment):
    due = dt.date.today() + dt.timedelta(days=14)
    result = services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.ATTENDED,
        note="Talked about more hours at Tesco.",
        barriers=["childcare", "health"],
        actions=[services.ActionInput(category="more_hours", description="Ask for 4 more hours", due_on=due)],
        next_appointment=services.NextAppointmentInput(starts_at=next_weekday(2), **BASE),
    )
    past_appointment.refresh_from_db()
    assert past_appointment.status == Status.ATTENDED and past_appointment.outcome_recorded_by == work_coach
    assert result.note.text == "Talked about more hours at Tesco."
    assert [(a.category, a.origin_appointment_id, a.status) for a in result.actions] == [
        ("more_hours", past_appointment.pk, "open")
    ]
    kinds = dict(Circumstance.objects.filter(claimant=claimant).values_list("kind", "sensitive"))
    assert kinds == {"childcare": False, "health": True}
    assert result.next_appointment.rebooked_from is None
    # The sensitive barrier's kind is not written into the audit log.
    payloads = AuditEvent.objects.filter(target_type="claimants.circumstance").values_list(
        "payload", flat=True
    )
    assert {"sensitive": True} in list(payloads) and {"kind": "childcare"} in list(payloads)


def test_barriers_already_open_are_not_added_twice(work_coach, claimant, past_appointment):
    Circumstance.objects.create(claimant=claimant, kind="childcare", recorded_by=work_coach)
    result = services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.ATTENDED,
        barriers=["childcare", "transport"],
    )
    assert result.barriers_already_recorded == ["Childcare"] and result.barriers_added == ["Transport"]
    assert Circumstance.objects.filter(claimant=claimant, kind="childcare").count() == 1


@pytest.mark.parametrize(
    ("contact", "decision", "problem_fields"),
    [
        (False, None, ["contact_attempt", "good_reason"]),
        (True, None, ["good_reason"]),
        (True, "not_yet_decided", ["good_reason"]),
        (False, "not_accepted", ["contact_attempt"]),
    ],
)
def test_failed_to_attend_without_contact_and_decision_saves_nothing(
    work_coach, past_appointment, contact, decision, problem_fields
):
    before = counts()
    with pytest.raises(services.OutcomeRefused) as refused:
        services.appointment_record_outcome(
            appointment=past_appointment,
            actor=work_coach,
            outcome=Status.FAILED_TO_ATTEND,
            contact_attempt=services.ContactAttemptInput(
                at=dt.datetime.now(dt.UTC), method="phone", result="No answer"
            )
            if contact
            else None,
            good_reason=services.GoodReasonInput(decision=decision, reason="No reason given")
            if decision
            else None,
            note="Did not come",
            actions=[services.ActionInput(category="other", description="x", due_on=dt.date.today())],
        )
    assert [p.field for p in refused.value.problems] == problem_fields
    assert counts() == before
    past_appointment.refresh_from_db()
    assert past_appointment.status == "booked"


def test_failed_to_attend_after_contact_and_decision_keeps_both_rows(work_coach, past_appointment):
    services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.FAILED_TO_ATTEND,
        contact_attempt=services.ContactAttemptInput(
            at=dt.datetime.now(dt.UTC), method="phone", result="No answer"
        ),
        good_reason=services.GoodReasonInput(decision="not_accepted", reason="No contact since"),
    )
    past_appointment.refresh_from_db()
    assert past_appointment.status == Status.FAILED_TO_ATTEND
    assert past_appointment.contact_attempts.get().result == "No answer"
    assert past_appointment.good_reason_decisions.get().reason == "No contact since"


def test_an_earlier_contact_attempt_counts(work_coach, past_appointment):
    ContactAttempt.objects.create(
        appointment=past_appointment,
        at=dt.datetime.now(dt.UTC),
        method="sms",
        result="Sent",
        recorded_by=work_coach,
    )
    services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.FAILED_TO_ATTEND,
        good_reason=services.GoodReasonInput(decision="accepted", reason="Child was ill"),
    )
    past_appointment.refresh_from_db()
    assert past_appointment.status == Status.FAILED_TO_ATTEND


def test_a_next_appointment_that_clashes_refuses_the_whole_outcome(work_coach, past_appointment):
    before = counts()
    with pytest.raises(services.OutcomeRefused) as refused:
        services.appointment_record_outcome(
            appointment=past_appointment,
            actor=work_coach,
            outcome=Status.ATTENDED,
            note="Good chat",
            next_appointment=services.NextAppointmentInput(starts_at=next_weekday(0, hour=11), **BASE),
        )
    assert refused.value.booking.check.warnings[0].code == IssueCode.WORK_CLASH
    assert counts() == before


def test_rescheduled_on_the_outcome_form_links_the_new_appointment(work_coach, past_appointment):
    result = services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.RESCHEDULED,
        cancelled_reason="Claimant phoned: shift changed",
        next_appointment=services.NextAppointmentInput(starts_at=next_weekday(2), **BASE),
    )
    assert result.next_appointment.rebooked_from == past_appointment
    with pytest.raises(services.OutcomeRefused) as refused:
        services.appointment_record_outcome(
            appointment=AppointmentFactory(coach=work_coach, claimant=past_appointment.claimant),
            actor=work_coach,
            outcome=Status.RESCHEDULED,
        )
    assert [p.field for p in refused.value.problems] == ["next_appointment"]


def test_attendance_cannot_be_recorded_before_the_start(work_coach, claimant):
    future = book(claimant, work_coach, next_weekday(2))
    with pytest.raises(services.OutcomeRefused, match="once the appointment has started"):
        services.appointment_record_outcome(appointment=future, actor=work_coach, outcome=Status.ATTENDED)


def test_agreed_action_close(work_coach, past_appointment):
    result = services.appointment_record_outcome(
        appointment=past_appointment,
        actor=work_coach,
        outcome=Status.ATTENDED,
        actions=[
            services.ActionInput(category="training", description="Forklift course", due_on=dt.date.today())
        ],
    )
    action = services.agreed_action_close(action=result.actions[0], actor=work_coach, done=True)
    assert action.status == "done" and action.completed_on
    with pytest.raises(ValidationError):
        services.agreed_action_close(action=action, actor=work_coach, done=False)
