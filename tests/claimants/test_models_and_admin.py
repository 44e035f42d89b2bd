import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from claimants.models import AetParameter, IwpOfferStatus, WageRate, normalise_nino, validate_nino
from claimants.regimes.iwp_offer import iwp_offer_invite, iwp_offer_sweep
from claimants.regimes.reference_rates import AET_TABLE, WAGE_TABLE
from claimants.regimes.selectors import parameters_on, rate_tables
from tests.claimants.factories import ClaimantFactory


@pytest.mark.parametrize("nino", ["AB123456C", "ab 12 34 56 c", "JK 00 00 01 D", "CE123456A"])
def test_valid_ninos(nino):
    validate_nino(nino)


@pytest.mark.parametrize(
    "nino",
    [
        "QQ123456C",
        "DA123456A",
        "AO123456A",
        "GB123456A",
        "AB12345C",
        "AB123456E",
        "",
        "AB1234567C",
        "TN123456A",
    ],
)
def test_invalid_ninos(nino):
    with pytest.raises(ValidationError):
        validate_nino(nino)


def test_nino_normalised():
    assert normalise_nino(" ab 12 34 56 c ") == "AB123456C"


@pytest.mark.django_db
def test_data_migration_loaded_every_reference_row():
    assert AetParameter.objects.count() == len(AET_TABLE)
    assert WageRate.objects.count() == sum(len(r["bands"]) + 1 for r in WAGE_TABLE)
    aet, _wages = rate_tables()
    assert [a.effective_from for a in aet] == [r["effective_from"] for r in AET_TABLE]
    assert parameters_on(dt.date(2025, 6, 10)).aet.single_threshold == Decimal("952.38")
    assert parameters_on(dt.date(2025, 4, 3)).aet.hourly_rate == Decimal("11.44")  # AET's own date
    assert parameters_on(dt.date(2025, 4, 3)).wages.adult_rate == Decimal("12.21")


@pytest.mark.django_db
def test_negative_or_overlapping_rates_are_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        WageRate.objects.create(
            effective_from=dt.date(2027, 4, 1), band="adult", min_age=21, rate=Decimal("-1")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AetParameter.objects.create(
            effective_from=dt.date(2027, 4, 1), single_cash=Decimal("-5"), couple_cash=Decimal("10")
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # one effective date per AET row: no overlaps
        AetParameter.objects.create(
            effective_from=dt.date(2025, 4, 7), single_cash=Decimal("1"), couple_cash=Decimal("2")
        )
    # The admin's form validates with the model's clean(): a 21-22 band overlaps the adult rate (21 and over).
    form = modelform_factory(WageRate, fields=["effective_from", "band", "min_age", "max_age", "rate"])(
        data={
            "effective_from": "2026-04-01",
            "band": "young_adult",
            "min_age": 21,
            "max_age": 22,
            "rate": "11.00",
        }
    )
    assert not form.is_valid()
    assert "overlap" in str(form.errors)


@pytest.mark.django_db
def test_iwp_offer_sweep_and_invite(work_coach):
    eligible = ClaimantFactory(current_regime="light_touch")
    not_yet = ClaimantFactory(current_regime="intensive_work_search")
    onboarded = ClaimantFactory(current_regime="working_enough", iwp_offer_status=IwpOfferStatus.ONBOARDED)
    sweep = iwp_offer_sweep()
    assert (sweep.newly_eligible, sweep.no_longer_eligible) == (1, 0)
    assert iwp_offer_sweep().newly_eligible == 0  # safe to run twice
    for c in (eligible, not_yet, onboarded):
        c.refresh_from_db()
    assert [c.iwp_offer_status for c in (eligible, not_yet, onboarded)] == [
        "eligible",
        "not_eligible",
        "onboarded",
    ]
    assert iwp_offer_invite(claimant=eligible, actor=work_coach) is True
    assert iwp_offer_invite(claimant=eligible, actor=work_coach) is False
    eligible.refresh_from_db()
    assert eligible.iwp_offer_status == "invited"
