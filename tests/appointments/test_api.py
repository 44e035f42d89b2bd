"""Appointments and outcomes, agreed actions and case notes over REST (issue #15): read, booked, moved, cancelled,
recorded — through the services, with their refusals as 409s — scoped and counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import AgreedAction, Appointment, CaseNote, ContactAttempt
from claimants.models import Circumstance
from iwp.models import AuditEvent
from tests.api_helpers import assert_error, queries
from tests.appointments.conftest import next_weekday
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/appointments/"


def booking(claimant, start: dt.datetime, **extra) -> dict:
    return {
        "claimant": claimant.pk,
        "appointment_type": "progression_review",
        "channel": "face_to_face",
        "starts_at": start.isoformat(),
        "length_minutes": 30,
        **extra,
    }


def test_appointments_are_listed_and_read_with_their_attempts(
    work_coach, claimant, past_appointment, api_for
):
    later = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=next_weekday(2))
    ContactAttempt.objects.create(
        appointment=past_appointment,
        at=timezone.now(),
        method="phone",
        result="No answer",
        recorded_by=work_coach,
    )
    client = api_for(work_coach)
    rows = client.get(BASE).json()["results"]
    assert [r["id"] for r in rows] == [past_appointment.pk, later.pk]  # soonest first
    assert rows[0]["claimant"] == {"id": claimant.pk, "name": "Jo Bloggs"}
    unrecorded = client.get(f"{BASE}?unrecorded=true").json()["results"]
    assert [r["id"] for r in unrecorded] == [past_appointment.pk]
    detail = client.get(f"{BASE}{past_appointment.pk}/").json()
    assert [a["result"] for a in detail["contact_attempts"]] == ["No answer"]


def test_another_office_is_a_404_and_its_claimant_cannot_be_booked(work_coach, other_office_coach, api_for):
    theirs = AppointmentFactory(coach=other_office_coach)
    client = api_for(work_coach)
    assert_error(client.get(f"{BASE}{theirs.pk}/"), 404)
    assert_error(client.post(BASE, booking(theirs.claimant, next_weekday(2)), format="json"), 404)


def test_booking_goes_through_the_rules(work_coach, claimant, api_for):
    client = api_for(work_coach)
    start = next_weekday(2, hour=10)
    booked = client.post(BASE, booking(claimant, start), format="json")
    assert booked.status_code == 201, booked.content
    appointment = Appointment.objects.get(pk=booked.json()["id"])
    assert appointment.coach == work_coach and appointment.booked_by == work_coach
    assert AuditEvent.objects.filter(target_type="appointments.appointment", verb="created").exists()
    clash = client.post(BASE, booking(claimant, start), format="json")
    body = assert_error(clash, 409, "booking_refused")
    assert "starts_at" in body["errors"]
    # Monday 10:00 is during the claimant's shift: a warning to confirm, with a reason, to book anyway.
    monday = next_weekday(0, hour=10)
    warned = assert_error(client.post(BASE, booking(claimant, monday), format="json"), 409, "booking_refused")
    keys = [w["key"] for w in warned["warnings"]]
    assert keys and "confirmed_warnings" in warned["errors"]
    anyway = client.post(
        BASE,
        booking(claimant, monday, confirmed_warnings=keys, override_reason="Only day the room is free"),
        format="json",
    )
    assert anyway.status_code == 201, anyway.content
    assert (
        Appointment.objects.get(pk=anyway.json()["id"]).clash_override_reason == "Only day the room is free"
    )


def test_moving_cancelling_and_recording_an_outcome(work_coach, claimant, past_appointment, api_for):
    client = api_for(work_coach)
    future = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=next_weekday(3))
    moved = client.post(
        f"{BASE}{future.pk}/rebook/",
        {
            "appointment_type": "progression_review",
            "channel": "phone",
            "starts_at": next_weekday(4).isoformat(),
            "length_minutes": 30,
        },
        format="json",
    )
    assert moved.status_code == 201, moved.content
    future.refresh_from_db()
    assert future.status == "rescheduled" and moved.json()["rebooked_from"] == future.pk
    cancelled = client.post(
        f"{BASE}{moved.json()['id']}/cancel/",
        {"by": "cancelled_by_claimant", "reason": "New shift"},
        format="json",
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled_by_claimant"
    assert_error(
        client.post(
            f"{BASE}{moved.json()['id']}/cancel/",
            {"by": "cancelled_by_claimant", "reason": "x"},
            format="json",
        ),
        409,
        "outcome_refused",
    )
    outcome = {
        "outcome": "attended",
        "note": "Talked about more hours.",
        "barriers": ["transport", "health"],
        "actions": [
            {
                "category": "more_hours",
                "description": "Ask for 4 more hours",
                "due_on": (dt.date.today() + dt.timedelta(days=14)).isoformat(),
            }
        ],
    }
    recorded = client.post(f"{BASE}{past_appointment.pk}/outcome/", outcome, format="json")
    assert recorded.status_code == 200, recorded.content
    result = recorded.json()
    assert result["appointment"]["status"] == "attended"
    assert CaseNote.objects.get(pk=result["note"]).text == "Talked about more hours."
    assert AgreedAction.objects.get(pk=result["actions"][0]).origin_appointment_id == past_appointment.pk
    assert Circumstance.objects.get(claimant=claimant, kind="health").sensitive is True
    assert_error(
        client.post(f"{BASE}{past_appointment.pk}/outcome/", outcome, format="json"), 409, "outcome_refused"
    )


def test_a_failure_to_attend_needs_its_contact_attempt_and_the_rules_say_so(
    work_coach, claimant, past_appointment, api_for
):
    client = api_for(work_coach)
    refused = client.post(
        f"{BASE}{past_appointment.pk}/outcome/", {"outcome": "failed_to_attend"}, format="json"
    )
    assert_error(refused, 409, "outcome_refused")
    early = {
        "at": (past_appointment.starts_at - dt.timedelta(hours=1)).isoformat(),
        "method": "phone",
        "result": "No answer",
    }
    assert (
        "contact_attempt"
        in assert_error(
            client.post(
                f"{BASE}{past_appointment.pk}/contact-attempts/", {"contact_attempt": early}, format="json"
            ),
            400,
        )["errors"]
    )
    attempt = {"at": timezone.now().isoformat(), "method": "phone", "result": "No answer"}
    no_reason = {"contact_attempt": attempt, "good_reason": {"decision": "accepted"}}
    assert (
        "good_reason"
        in assert_error(
            client.post(f"{BASE}{past_appointment.pk}/contact-attempts/", no_reason, format="json"), 400
        )["errors"]
    )
    kept = client.post(
        f"{BASE}{past_appointment.pk}/contact-attempts/",
        {"contact_attempt": attempt, "note": "Left a voicemail"},
        format="json",
    )
    assert kept.status_code == 201 and kept.json()["status"] == "booked"
    assert ContactAttempt.objects.filter(appointment=past_appointment).count() == 1


def test_a_coach_cannot_change_a_colleagues_appointment_for_a_colleagues_claimant(
    work_coach, colleague, api_for
):
    theirs = AppointmentFactory(coach=colleague)
    response = api_for(work_coach).post(
        f"{BASE}{theirs.pk}/cancel/", {"by": "cancelled_by_jobcentre", "reason": "Closed"}, format="json"
    )
    assert_error(response, 403)
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_agreed_actions_are_listed_and_closed(work_coach, claimant, other_office_coach, api_for):
    due = AgreedActionFactory(
        claimant=claimant, created_by=work_coach, due_on=dt.date.today() - dt.timedelta(days=2)
    )
    later = AgreedActionFactory(claimant=claimant, created_by=work_coach)
    AgreedActionFactory(
        created_by=other_office_coach, claimant=ClaimantFactory(jobcentre=other_office_coach.jobcentre)
    )
    client = api_for(work_coach)
    assert [a["id"] for a in client.get("/api/v1/agreed-actions/").json()["results"]] == [due.pk, later.pk]
    assert [a["id"] for a in client.get("/api/v1/agreed-actions/?overdue=true").json()["results"]] == [due.pk]
    closed = client.post(f"/api/v1/agreed-actions/{due.pk}/close/", {"done": True}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    assert_error(
        client.post(f"/api/v1/agreed-actions/{due.pk}/close/", {"done": True}, format="json"),
        409,
        "already_closed",
    )
    assert_error(client.post(f"/api/v1/agreed-actions/{due.pk}/close/", {"done": "yes"}, format="json"), 400)


def test_case_notes_are_read_newest_first(work_coach, claimant, other_office_coach, api_for):
    old = CaseNote.objects.create(claimant=claimant, author=work_coach, text="First")
    new = CaseNote.objects.create(claimant=claimant, author=work_coach, text="Second")
    CaseNote.objects.create(
        claimant=ClaimantFactory(jobcentre=other_office_coach.jobcentre),
        author=other_office_coach,
        text="Elsewhere",
    )
    rows = api_for(work_coach).get(f"/api/v1/case-notes/?claimant={claimant.pk}").json()["results"]
    assert [r["id"] for r in rows] == [new.pk, old.pk]
    assert rows[0]["author"]["id"] == work_coach.pk


def test_lists_cost_the_same_queries_however_many_rows(work_coach, claimant, api_for):
    client = api_for(work_coach)

    def grow(n: int) -> None:
        for i in range(n):
            appointment = AppointmentFactory(
                coach=work_coach,
                claimant=ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach),
                starts_at=next_weekday(i % 5, hour=9 + i % 6),
            )
            AgreedActionFactory(claimant=appointment.claimant, created_by=work_coach)
            CaseNote.objects.create(claimant=appointment.claimant, author=work_coach, text="Note")

    urls = [BASE, "/api/v1/agreed-actions/", "/api/v1/case-notes/"]
    grow(2)
    before = [queries(client, url) for url in urls]
    grow(6)
    assert [queries(client, url) for url in urls] == before
