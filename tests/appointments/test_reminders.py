"""Reminders: the right ones are created, each is sent at most once (even by two runs at the same moment),
by the claimant's contact preference, through a pluggable backend."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection

from appointments import services
from appointments.models import Reminder
from appointments.tasks import send_reminders
from claimants.models import ClaimantCommitment
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db


def soon(hours):
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=hours)


@pytest.fixture(autouse=True)
def _no_lock_left():
    cache.delete(services.REMINDERS_LOCK)
    yield
    cache.delete(services.REMINDERS_LOCK)


def commitment(claimant, *, status="issued", accept_by):
    return ClaimantCommitment.objects.create(
        claimant=claimant, version=1, status=status, expected_hours=Decimal(35), accept_by=accept_by
    )


def test_creates_one_reminder_per_due_thing(work_coach):
    today = dt.date.today()
    in_10h = AppointmentFactory(coach=work_coach, starts_at=soon(10))
    AppointmentFactory(coach=work_coach, starts_at=soon(30))  # more than 24 hours away
    AppointmentFactory(
        coach=work_coach, starts_at=soon(5), status="cancelled_by_claimant", cancelled_reason="ill"
    )
    overdue = AgreedActionFactory(due_on=today - dt.timedelta(days=2))
    AgreedActionFactory(due_on=today + dt.timedelta(days=2))
    AgreedActionFactory(due_on=today - dt.timedelta(days=2), status="done", completed_on=today)
    late = commitment(ClaimantFactory(), accept_by=today - dt.timedelta(days=1))
    commitment(ClaimantFactory(), accept_by=today + dt.timedelta(days=3))
    commitment(ClaimantFactory(), status="accepted", accept_by=today - dt.timedelta(days=1))

    assert services.reminders_create_due() == {
        "appointment": 1,
        "overdue_action": 1,
        "commitment_not_accepted": 1,
    }
    assert set(Reminder.objects.values_list("kind", "target_id")) == {
        ("appointment", in_10h.pk),
        ("overdue_action", overdue.pk),
        ("commitment_not_accepted", late.pk),
    }
    assert services.reminders_create_due() == {
        "appointment": 0,
        "overdue_action": 0,
        "commitment_not_accepted": 0,
    }
    assert Reminder.objects.count() == 3


@pytest.mark.parametrize(
    ("preference", "status", "emails"),
    [
        ("email", "sent", 1),
        ("journal", "sent", 1),
        ("sms", "to_send", 0),
        ("phone", "to_send", 0),
        ("letter", "to_send", 0),
    ],
)
def test_default_backend_follows_the_contact_preference(work_coach, preference, status, emails):
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=work_coach,
        contact_preference=preference,
        email="sam.jones@example.org",
        phone="+447911123456",
    )
    a = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=soon(3), channel="phone")
    result = send_reminders.delay().get()
    assert result["created"]["appointment"] == 1
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.channel, reminder.target_id) == (status, preference, a.pk)
    assert len(mail.outbox) == emails
    if emails:
        expected = (
            "sam.jones@example.org"
            if preference == "email"
            else f"journal+{claimant.nino.lower()}@uc.dwp.example"
        )
        assert mail.outbox[0].to == [expected]
        assert "by phone" in mail.outbox[0].body and reminder.sent_at
    else:
        assert reminder.sent_at is None and "Send by" in reminder.last_error
        assert ("+447911123456" in reminder.last_error) == (preference in ("sms", "phone"))
    # Running again sends nothing more.
    send_reminders.delay().get()
    assert len(mail.outbox) == emails and Reminder.objects.count() == 1


def test_email_preference_without_an_address_is_left_for_staff_not_guessed(work_coach):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, contact_preference="email", email="")
    AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=soon(3))
    send_reminders.delay().get()
    reminder = Reminder.objects.get()
    assert reminder.status == "to_send" and "No email address" in reminder.last_error
    assert not mail.outbox


def test_a_reminder_no_longer_needed_is_withdrawn(work_coach):
    a = AppointmentFactory(coach=work_coach, starts_at=soon(3))
    services.reminders_create_due()
    a.status, a.cancelled_reason = "cancelled_by_jobcentre", "Office closed"
    a.save()
    assert services.reminders_send_pending()["withdrawn"] == 1
    assert Reminder.objects.get().status == "withdrawn" and not mail.outbox


def test_the_lock_stops_a_second_run(work_coach):
    AppointmentFactory(coach=work_coach, starts_at=soon(3))
    cache.add(services.REMINDERS_LOCK, "someone else", 60)
    assert services.reminders_run() == {"skipped": "another run holds the lock"}
    assert not Reminder.objects.exists()


class Exploding:
    calls = 0

    def deliver(self, reminder):
        Exploding.calls += 1
        raise ConnectionError("mail server down")


def test_backend_errors_are_retried_on_later_runs_then_kept_as_failed(settings, work_coach):
    settings.IWP_NOTIFICATION_BACKEND = "tests.appointments.test_reminders.Exploding"
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, contact_preference="email")
    AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=soon(20))
    services.reminders_create_due()
    now = dt.datetime.now(dt.UTC)
    assert services.reminders_send_pending(now=now)["retry"] == 1
    r = Reminder.objects.get()
    assert (r.status, r.attempts, r.last_error) == ("pending", 1, "mail server down")
    assert r.due_at > now  # not again in the same run
    services.reminders_send_pending(now=now + dt.timedelta(minutes=16))
    assert services.reminders_send_pending(now=now + dt.timedelta(minutes=32))["failed"] == 1
    assert Reminder.objects.get().status == "failed" and Exploding.calls == 3


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(work_coach):
    for _ in range(8):
        c = ClaimantFactory(jobcentre=work_coach.jobcentre, contact_preference="email")
        AppointmentFactory(coach=work_coach, claimant=c, starts_at=soon(2))
        AgreedActionFactory(claimant=c, due_on=dt.date.today() - dt.timedelta(days=1))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            # Straight to the services: no cache lock, so only the constraint and row claims keep it single.
            services.reminders_create_due()
            services.reminders_send_pending()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Reminder.objects.count() == 16
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 16


def test_the_task_is_on_the_beat_schedule():
    from celery.schedules import crontab
    from django.conf import settings

    from iwp.celery import app

    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "appointments.send_reminders"
    ]
    assert len(entries) == 1 and entries[0]["schedule"] == crontab(minute="*/15")
    assert "appointments.send_reminders" in app.tasks
