import datetime as dt

import factory
from factory.django import DjangoModelFactory

from claimants.models import BusyTime
from provision.models import Provider, ProvisionOffer, Referral, Session
from provision.services import natural_key_for
from tests.claimants.factories import ClaimantFactory
from tests.factories import DistrictFactory


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Provider {n}")


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = ProvisionOffer

    district = factory.SubFactory(DistrictFactory)
    provider = factory.SubFactory(ProviderFactory, district=factory.SelfAttribute("..district"))
    name = factory.Sequence(lambda n: f"Offer {n}")
    natural_key = factory.LazyAttribute(
        lambda o: natural_key_for(external_id="", provider_name=o.provider.name, name=o.name)
    )
    category = "skills_training"
    delivery_mode = "in_person"
    postcode = "LS1 4HR"
    review_by = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=100))
    last_reviewed_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    offer = factory.SubFactory(OfferFactory)
    weekday = 1
    starts_at = dt.time(18)
    ends_at = dt.time(20)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    offer = factory.SubFactory(OfferFactory)
    status = "referred"
    last_update_on = factory.LazyFunction(dt.date.today)


def make_shift_worker(coach, *, school_run: bool = True):
    """A Working Enough claimant in Leeds who works Tue and Thu 09:00–17:00 (and, with ``school_run``, does
    the school run Mon 15:00–16:00)."""
    claimant = ClaimantFactory(
        jobcentre=coach.jobcentre,
        coach=coach,
        first_name="Shona",
        last_name="Shift",
        postcode="LS9 8AG",
        current_regime="working_enough",
        date_of_birth=dt.date(1990, 5, 1),
    )
    for day in (1, 3):
        BusyTime.objects.create(
            claimant=claimant,
            kind="work",
            weekday=day,
            starts_at=dt.time(9),
            ends_at=dt.time(17),
            description="Tesco",
        )
    if school_run:
        BusyTime.objects.create(
            claimant=claimant, kind="caring", weekday=0, starts_at=dt.time(15), ends_at=dt.time(16)
        )
    return claimant
