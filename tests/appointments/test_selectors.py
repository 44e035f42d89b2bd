"""Suggested dates and the named lists."""

import datetime as dt

import pytest

from appointments import selectors
from appointments.rules import Interval, weekly_clashes
from tests.appointments.conftest import LONDON
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db


def test_booking_suggestion_without_history_gives_full_notice_on_a_free_weekday(work_coach, claimant):
    now = dt.datetime.now(dt.UTC)
    got = selectors.suggested_booking_start(claimant=claimant, coach=work_coach, now=now)
    assert got >= now + dt.timedelta(hours=48)
    assert got.astimezone(LONDON).weekday() < 5
    assert not weekly_clashes(Interval.of(got, 30), selectors.claimant_busy_times(claimant), LONDON)


def test_booking_suggestion_follows_the_last_appointment_and_the_intensity(work_coach, claimant):
    claimant.support_intensity = "fortnightly"
    claimant.save()
    now = dt.datetime.now(dt.UTC)
    # A Wednesday ten days ago at 11:00 (claimant is free on Wednesdays).
    day = (now - dt.timedelta(days=10)).astimezone(LONDON).date()
    day -= dt.timedelta(days=(day.weekday() - 2) % 7)
    last = dt.datetime.combine(day, dt.time(11), tzinfo=LONDON)
    AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=last, status="attended")
    got = selectors.suggested_booking_start(claimant=claimant, coach=work_coach, now=now)
    if last + dt.timedelta(days=14) >= now + dt.timedelta(hours=48):
        assert got == last + dt.timedelta(days=14)
    else:  # too soon for full notice: the first free slot after it instead
        assert got >= now + dt.timedelta(hours=48)


def test_booking_suggestion_never_offers_short_notice(work_coach, claimant):
    now = dt.datetime.now(dt.UTC)
    got = selectors.suggested_booking_start(
        claimant=claimant, coach=work_coach, now=now, after=now - dt.timedelta(days=55)
    )  # eight-weekly: 56 days after would be tomorrow
    assert got >= now + dt.timedelta(hours=48)


def test_suggestion_avoids_the_coachs_diary(work_coach, claimant):
    now = dt.datetime.now(dt.UTC)
    first = selectors.suggested_booking_start(claimant=claimant, coach=work_coach, now=now)
    AppointmentFactory(
        coach=work_coach, claimant=ClaimantFactory(jobcentre=work_coach.jobcentre), starts_at=first
    )
    assert selectors.suggested_booking_start(claimant=claimant, coach=work_coach, now=now) != first


def test_named_lists(work_coach, claimant, colleague):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    finished = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=now - dt.timedelta(hours=2))
    in_progress = AppointmentFactory(
        coach=work_coach, claimant=claimant, starts_at=now - dt.timedelta(minutes=10)
    )
    AppointmentFactory(coach=colleague, claimant=claimant, starts_at=now - dt.timedelta(hours=3))
    assert list(selectors.unrecorded_outcomes_for_coach(work_coach, now=now)) == [finished]
    assert in_progress not in selectors.unrecorded_outcomes_for_coach(work_coach, now=now)
    overdue = AgreedActionFactory(claimant=claimant, due_on=dt.date.today() - dt.timedelta(days=1))
    AgreedActionFactory(
        claimant=ClaimantFactory(jobcentre=work_coach.jobcentre, coach=colleague), due_on=overdue.due_on
    )
    assert list(selectors.overdue_actions_for_coach(work_coach)) == [overdue]
    local_today = now.astimezone(LONDON).date()
    diary = selectors.diary_for_coach(work_coach, first_day=local_today, last_day=local_today)
    assert set(diary) == {
        a for a in (finished, in_progress) if a.starts_at.astimezone(LONDON).date() == local_today
    }
