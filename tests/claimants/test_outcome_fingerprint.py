"""The history row's outcome fingerprint (migrations 0020 and 0021): the uprating compares it instead of eleven
columns, so it must change with every one of them, and with nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from claimants.models import RegimeAssessment
from tests.claimants.factories import ClaimantFactory

# The outcome as iwp_outcome_fingerprint takes it: regime, partner's regime, employed and self-employed earnings,
# easement, then the AET and CET of the claimant, the couple's AET, the partner's CET and the household CET.
OUTCOME = (
    "light_touch",
    "",
    Decimal("900.00"),
    Decimal("0.00"),
    False,
    Decimal("952.38"),
    Decimal("2021.55"),
    None,
    None,
    None,
)
# One other value per position: a different outcome in exactly that column.
OTHER = (
    "intensive_work_search",
    "light_touch",
    Decimal("900.01"),
    Decimal("0.01"),
    True,
    Decimal("952.39"),
    Decimal("2021.56"),
    Decimal("1500.00"),
    Decimal("0.00"),
    Decimal("4000.00"),
)


def _with(position: int, value: object) -> tuple:
    """OUTCOME with one column's value replaced."""
    outcome = list(OUTCOME)
    outcome[position] = value
    return tuple(outcome)


def _fingerprint(outcome: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iwp_outcome_fingerprint(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)::text", list(outcome)
        )
        return cursor.fetchone()[0]


def _history_row(claimant, day: int = 7, regime: str = "light_touch", **fields) -> RegimeAssessment:
    """A history row of OUTCOME's earnings and thresholds for the AP starting on ``day`` April 2026."""
    return RegimeAssessment.objects.create(
        claimant=claimant,
        period_start=dt.date(2026, 4, day),
        period_end=dt.date(2026, 5, day - 1),
        regime=regime,
        cause="threshold",
        employed_earnings=Decimal("900"),
        self_employed_earnings=Decimal(0),
        aet_individual=Decimal("952.38"),
        cet_individual=Decimal("2021.55"),
        **fields,
    )


@pytest.mark.django_db
def test_every_outcome_column_changes_the_fingerprint_and_nothing_else_does() -> None:
    base = _fingerprint(OUTCOME)
    changed = {position: _fingerprint(_with(position, other)) for position, other in enumerate(OTHER)}
    # Each column on its own gives a fingerprint of its own.
    assert base not in changed.values() and len(set(changed.values())) == len(OTHER)
    # Money is compared to the penny, as the columns store it: the same amount written with more places is the
    # same outcome. No threshold (NULL: a single claimant's couple AET) is not a threshold of nothing.
    assert _fingerprint(_with(5, Decimal("952.380"))) == base
    assert _fingerprint(_with(2, Decimal("900"))) == base
    assert _fingerprint(_with(7, Decimal("0.00"))) != base


@pytest.mark.django_db
def test_the_stored_fingerprint_is_the_rows_own_whoever_writes_or_edits_it() -> None:
    row = _history_row(ClaimantFactory(), previous_regime="light_touch")

    def stored() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT outcome_fingerprint::text FROM claimants_regimeassessment WHERE id = %s", [row.pk]
            )
            return cursor.fetchone()[0]

    assert stored() == _fingerprint(OUTCOME)
    # Not part of the outcome: the cause, the explanation, the previous regime.
    RegimeAssessment.objects.filter(pk=row.pk).update(cause="earnings", previous_regime="", explanation=["x"])
    assert stored() == _fingerprint(OUTCOME)
    RegimeAssessment.objects.filter(pk=row.pk).update(cet_household=Decimal("4000"))
    assert stored() == _fingerprint(_with(9, Decimal("4000.00"))) != _fingerprint(OUTCOME)


@pytest.mark.django_db(transaction=True)
def test_migration_0021_rebuilds_the_fingerprint_both_ways() -> None:
    """0021 replaces 0020's MD5 (a uuid) with a 64-bit hash: either way every stored fingerprint is the function's
    own for its row, and the index carries it beside its key so the uprating's reads stay index-only."""
    from tests.claimants.test_history_migration import _migrate

    claimant = ClaimantFactory()
    for day, regime in ((7, "light_touch"), (8, "intensive_work_search")):
        _history_row(claimant, day, regime)

    def state() -> tuple[str, int, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'claimants_regimeassessment'::regclass AND attname = 'outcome_fingerprint'"
            )
            kind = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM claimants_regimeassessment WHERE claimant_id = %s AND outcome_fingerprint = "
                "iwp_outcome_fingerprint(regime, partner_regime, employed_earnings, self_employed_earnings, "
                "easement_active, aet_individual, cet_individual, aet_couple, cet_partner, cet_household)",
                [claimant.pk],
            )
            consistent = cursor.fetchone()[0]
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'assessment_period_latest_idx'")
            return kind, consistent, cursor.fetchone()[0]

    included = "(claimant_id, period_start, id) INCLUDE (regime, outcome_fingerprint)"
    kind, consistent, index = state()
    assert (kind, consistent) == ("bigint", 2) and included in index
    try:
        _migrate([("claimants", "0020_history_outcome_fingerprint")])
        kind, consistent, index = state()
        assert (kind, consistent) == ("uuid", 2) and included in index
    finally:
        _migrate()
    kind, consistent, index = state()
    assert (kind, consistent) == ("bigint", 2) and included in index
