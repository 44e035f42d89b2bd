"""The benchmark's floors (``classify_floor_sql``): they decide as the engine does, and the one that writes
history (what writing history alone adds to a floor) leaves history as it found it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from claimants.models import RegimeAssessment
from claimants.regimes.uprating import classify_floor_sql
from tests.claimants.factories import claimant_with_earnings

pytestmark = pytest.mark.django_db

LATEST = dt.date(2025, 8, 10)


@pytest.fixture
def caseload() -> list[int]:
    # Earnings either side of the AET and the CET, three periods each, so the latest APs fall in several regimes.
    return [
        claimant_with_earnings([str(Decimal(amount) + month) for month in range(3)]).pk
        for amount in ["300", "952.38", "1200", "2400", "0", "1500.50"]
    ]


def _engine_counts(since: dt.date) -> Counter:
    return Counter(
        RegimeAssessment.objects.current().filter(period_start__gte=since).values_list("regime", flat=True)
    )


@pytest.mark.parametrize("since", [LATEST, dt.date(2025, 6, 10)], ids=["latest-aps", "every-ap"])
def test_both_floors_decide_what_the_engine_decided_and_the_history_one_leaves_history_alone(caseload, since):
    expected = _engine_counts(since)
    assert len(expected) >= 3 and sum(expected.values()) == len(caseload) * (1 if since == LATEST else 3)
    history_before = list(RegimeAssessment.objects.order_by("id").values_list("id", "regime", "explanation"))

    outcome = classify_floor_sql(since, decide_from=since)
    written = classify_floor_sql(since, decide_from=since, history=True)

    assert Counter(outcome["by_regime"]) == expected
    # The same decisions, each written as a history row (the INSERT's RETURNING counts them), then rolled back.
    assert Counter(written["by_regime"]) == expected
    assert (
        list(RegimeAssessment.objects.order_by("id").values_list("id", "regime", "explanation"))
        == history_before
    )
