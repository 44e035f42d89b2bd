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


def _appointment(coach, claimant, starts_at, status):
    """An appointment in any status (a cancelled one carries its reason, as the database requires)."""
    reason = "Claimant asked" if status.startswith("cancelled") else ""
    return AppointmentFactory(
        coach=coach, claimant=claimant, starts_at=starts_at, status=status, cancelled_reason=reason
    )


def test_caseload_panels_read_together_equal_the_named_lists(work_coach, claimant, colleague):
    # The caseload reads today's appointments and the unrecorded outcomes in one query and splits them: the
    # split must give exactly the named lists (same rows, same order) whatever the statuses and days.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    for hours, status, who in [
        (-50, "booked", claimant),  # two days ago, never recorded
        (-26, "attended", claimant),
        (-2, "booked", other),  # earlier today or last night: unrecorded
        (-1, "rescheduled", claimant),
        (-0.2, "booked", claimant),  # still running
        (1, "booked", other),
        (2, "cancelled_by_claimant", claimant),
        (30, "booked", claimant),
    ]:
        _appointment(work_coach, who, now + dt.timedelta(hours=hours), status)
    AppointmentFactory(coach=colleague, claimant=claimant, starts_at=now - dt.timedelta(hours=3))
    AgreedActionFactory(claimant=claimant, due_on=dt.date.today() - dt.timedelta(days=2))
    AgreedActionFactory(claimant=other, due_on=dt.date.today() - dt.timedelta(days=5))
    AgreedActionFactory(claimant=other, due_on=dt.date.today() + dt.timedelta(days=5))

    panels = selectors.caseload_panels(work_coach, now=now)

    assert panels["todays_appointments"] == list(selectors.todays_appointments_for_coach(work_coach, now=now))
    assert panels["unrecorded_outcomes"] == list(selectors.unrecorded_outcomes_for_coach(work_coach, now=now))
    assert panels["overdue_actions"] == list(selectors.overdue_actions_for_coach(work_coach))
    assert len(panels["unrecorded_outcomes"]) == 2 and len(panels["overdue_actions"]) == 2
    assert panels["todays_appointments"][0].claimant.full_name  # the brief claimant is read, not a query each


def test_claimant_lists_in_one_query_keep_their_order(work_coach, claimant, django_assert_num_queries):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = [
        _appointment(work_coach, claimant, now + dt.timedelta(days=days), status)
        for days, status in [
            (-30, "attended"),
            (-10, "failed_to_attend"),
            (-2, "booked"),
            (3, "booked"),
            (10, "booked"),
            (5, "cancelled_by_claimant"),
            (20, "booked"),
        ]
    ]
    upcoming = sorted(
        (a for a in rows if a.starts_at >= now and a.status == "booked"), key=lambda a: a.starts_at
    )
    others = sorted((a for a in rows if a not in upcoming), key=lambda a: a.starts_at, reverse=True)
    with django_assert_num_queries(1):
        assert selectors.claimant_appointments(claimant, limit=15) == upcoming + others
    assert selectors.claimant_appointments(claimant, limit=4) == (upcoming + others)[:4]

    today = dt.date.today()
    actions = [
        AgreedActionFactory(claimant=claimant, due_on=today + dt.timedelta(days=d)) for d in (9, -3, 2)
    ]
    closed = AgreedActionFactory(claimant=claimant, due_on=today, status="done", completed_on=today)
    older = AgreedActionFactory(
        claimant=claimant, due_on=today, status="not_done", completed_on=today - dt.timedelta(days=4)
    )
    with django_assert_num_queries(1):
        got = selectors.claimant_actions(claimant)
    assert got == [*sorted(actions, key=lambda a: a.due_on), closed, older]
    assert selectors.claimant_actions(claimant, limit=2) == got[:2]
