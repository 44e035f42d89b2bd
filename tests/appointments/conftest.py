import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.appointments.factories import AppointmentFactory, BusyTimeFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamFactory, WorkCoachFactory

LONDON = ZoneInfo("Europe/London")


def next_weekday(weekday: int, *, hour: int = 10, minute: int = 0, at_least_days: int = 7) -> dt.datetime:
    """A local date-time on the given weekday, at least ``at_least_days`` from today."""
    day = dt.datetime.now(LONDON).date() + dt.timedelta(days=at_least_days)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def claimant(work_coach):
    """One of the work coach's own claimants: works Monday 09:00–17:00, school run Tuesday 15:00–15:45."""
    c = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Jo", last_name="Bloggs")
    BusyTimeFactory(claimant=c, kind="work", weekday=0, starts_at=dt.time(9), ends_at=dt.time(17))
    BusyTimeFactory(
        claimant=c,
        kind="caring",
        weekday=1,
        starts_at=dt.time(15),
        ends_at=dt.time(15, 45),
        description="school run",
    )
    return c


@pytest.fixture
def colleague(work_coach):
    return WorkCoachFactory(team=work_coach.team, username="colleague.test")


@pytest.fixture
def other_office_coach(db):
    return WorkCoachFactory(team=TeamFactory(), username="elsewhere.test")


@pytest.fixture
def past_appointment(work_coach, claimant):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    return AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=start)
