"""The history row's outcome fingerprint (migrations 0020, 0021 and 0023): the uprating compares it instead of eleven
columns, so it must change with every one of them, and with nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# Migration 0021's function, which rounded every amount to the penny before hashing it.
ROUNDED = (
    "hash_record_extended(ROW(%s::text, %s::text, round(%s::numeric, 2), round(%s::numeric, 2), %s::boolean, "
    "round(%s::numeric, 2), "
    "round(%s::numeric, 2), round(%s::numeric, 2), round(%s::numeric, 2), round(%s::numeric, 2)), 0)::text"
)
# Money as the callers hold it: at most two decimal places (numeric(10, 2) columns, iwp_money), written with any
# number of trailing zeros, or none at all (NULL).
PENNIES = st.integers(min_value=0, max_value=99_999_999).map(lambda p: Decimal(p).scaleb(-2))
MONEY = st.one_of(
    PENNIES,
    PENNIES.map(lambda d: d.quantize(Decimal("0.0001"))),
    PENNIES.filter(lambda d: d == d.to_integral_value()).map(lambda d: d.quantize(Decimal(1))),
)
REGIME = st.sampled_from(["", "light_touch", "intensive_work_search", "working_enough"])
OUTCOMES = st.tuples(
    REGIME,
    REGIME,
    MONEY,
    MONEY,
    st.booleans(),
    MONEY,
    MONEY,
    st.none() | MONEY,
    st.none() | MONEY,
    st.none() | MONEY,
)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outcome=OUTCOMES)
def test_the_fingerprint_without_rounding_is_the_rounded_one_for_money_to_the_penny(outcome: tuple) -> None:
    """Migration 0023 dropped the rounding: for every amount the callers can pass, the fingerprint is the one 0021
    stored, so no stored fingerprint went stale."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ROUNDED}", list(outcome))
        rounded = cursor.fetchone()[0]
    assert _fingerprint(outcome) == rounded


@pytest.mark.django_db(transaction=True)
def test_migration_0023_keeps_every_stored_fingerprint_both_ways() -> None:
    """0023 replaces the function in place: the stored fingerprints, generated by 0021's function, are still the
    function's own for their rows after it, and after migrating back."""
    from tests.claimants.test_history_migration import _migrate

    claimant = ClaimantFactory()
    _history_row(claimant, 7, "light_touch")
    _history_row(
        claimant, 8, "intensive_work_search", aet_couple=Decimal("1500.5"), cet_household=Decimal(4000)
    )

    def stored_and_consistent() -> tuple[list[str], int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT outcome_fingerprint::text FROM claimants_regimeassessment WHERE claimant_id = %s ORDER BY id",
                [claimant.pk],
            )
            stored = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT count(*) FROM claimants_regimeassessment WHERE claimant_id = %s AND outcome_fingerprint = "
                "iwp_outcome_fingerprint(regime, partner_regime, employed_earnings, self_employed_earnings, "
                "easement_active, aet_individual, cet_individual, aet_couple, cet_partner, cet_household)",
                [claimant.pk],
            )
            return stored, cursor.fetchone()[0]

    def function_text() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'iwp_outcome_fingerprint'")
            return cursor.fetchone()[0]

    stored, consistent = stored_and_consistent()
    assert consistent == 2 and "round" not in function_text()
    try:
        _migrate([("claimants", "0022_claimant_regime_not_indexed")])
        assert "round" in function_text()
        assert stored_and_consistent() == (stored, 2)
    finally:
        _migrate()
    assert "round" not in function_text()
    assert stored_and_consistent() == (stored, 2)
