"""Earnings recorded in a transaction reach a real Celery worker through Redis after commit."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from claimants.models import Claimant
from claimants.services import claimant_record_earnings
from tests.claimants.factories import ClaimantFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_earnings_change_recalculates_through_the_worker(celery_worker):
    claimant = ClaimantFactory()
    claimant_record_earnings(
        claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("952.38")
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        regime = Claimant.objects.values_list("current_regime", flat=True).get(pk=claimant.pk)
        if regime:
            break
        time.sleep(0.1)
    assert regime == "light_touch"
