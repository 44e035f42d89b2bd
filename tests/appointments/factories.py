import datetime as dt
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from appointments.models import AgreedAction, Appointment
from claimants.models import BusyTime
from tests.claimants.factories import ClaimantFactory
from tests.factories import WorkCoachFactory

LONDON = ZoneInfo("Europe/London")


def london(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON)


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    coach = factory.SubFactory(WorkCoachFactory)
    claimant = factory.SubFactory(
        ClaimantFactory,
        jobcentre=factory.SelfAttribute("..coach.jobcentre"),
        coach=factory.SelfAttribute("..coach"),
    )
    appointment_type = "progression_review"
    channel = "face_to_face"
    starts_at = factory.LazyFunction(
        lambda: dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=5)
    )
    length_minutes = 30
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=o.length_minutes))
    notice_hours_at_booking = 72
    booked_by = factory.SelfAttribute("coach")


class BusyTimeFactory(DjangoModelFactory):
    class Meta:
        model = BusyTime

    claimant = factory.SubFactory(ClaimantFactory)
    kind = "work"
    weekday = 0
    starts_at = dt.time(9, 0)
    ends_at = dt.time(17, 0)
    description = "Shift at Tesco Extra"


class AgreedActionFactory(DjangoModelFactory):
    class Meta:
        model = AgreedAction

    claimant = factory.SubFactory(ClaimantFactory)
    category = "more_hours"
    description = "Ask the manager for 4 more hours a week"
    due_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))
    created_by = factory.SubFactory(WorkCoachFactory)
