import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from claimants.facts.services import facts_first_version
from claimants.models import Claimant, EarningsRecord
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from claimants.services import claimant_record_earnings
from tests.factories import JobcentreFactory


class ClaimantFactory(DjangoModelFactory):
    class Meta:
        model = Claimant

    nino = factory.Sequence(lambda n: f"AB{n:06d}C")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(1995, 1, 1)
    email = factory.Sequence(lambda n: f"claimant{n}@example.org")
    jobcentre = factory.SubFactory(JobcentreFactory)
    assessment_day = 10

    @factory.post_generation
    def facts(obj, create, extracted, **kwargs):
        """Every claimant has their facts as a first version, from the start of the claim (issue #16)."""
        if create:
            facts_first_version(claimant=obj)


class EarningsRecordFactory(DjangoModelFactory):
    class Meta:
        model = EarningsRecord

    claimant = factory.SubFactory(ClaimantFactory)
    period_start = dt.date(2025, 6, 10)
    employed_earnings = Decimal("0.00")
    self_employed_earnings = Decimal("0.00")
    received_at = factory.LazyFunction(lambda: dt.datetime(2025, 7, 10, tzinfo=dt.UTC))


def claimant_with_earnings(
    amounts: list[str], *, first: dt.date = dt.date(2025, 6, 10), **fields
) -> Claimant:
    """A claimant (``fields`` for the factory) with one AP of employed earnings a month from ``first``, in pounds,
    then calculated as an earnings save does, and read back with the regime it left."""
    claimant = ClaimantFactory(**fields)
    for n, amount in enumerate(amounts):
        month = first.month - 1 + n
        claimant_record_earnings(
            claimant=claimant,
            period_start=first.replace(year=first.year + month // 12, month=month % 12 + 1),
            employed_earnings=Decimal(amount),
            recalculate=False,
        )
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    return claimant
