"""The UC taper arithmetic (claimants/taper.py): pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimants.regimes.taper import (
    TAPER_RATE,
    WORK_ALLOWANCES,
    NoWorkAllowanceInForce,
    WorkAllowanceKind,
    WorkAllowanceRow,
    earnings_deduction,
    taper_effect,
    work_allowance_in_force,
)

D = Decimal
LOWER, HIGHER, NONE = WorkAllowanceKind.LOWER, WorkAllowanceKind.HIGHER, WorkAllowanceKind.NONE
AP = date(2025, 6, 10)


def test_rulebook_figures_for_2025_26():
    row = work_allowance_in_force(AP)
    assert (row.lower, row.higher, row.taper_rate) == (D(411), D(684), D("0.55"))
    assert row.tax_year == "2025/26"
    assert D("0.55") == TAPER_RATE


def test_table_is_in_date_order_and_each_uprating_raises_the_allowances():
    dates = [row.effective_from for row in WORK_ALLOWANCES]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    for earlier, later in pairwise(WORK_ALLOWANCES):
        assert later.lower > earlier.lower and later.higher > earlier.higher
    assert all(row.lower < row.higher for row in WORK_ALLOWANCES)


@pytest.mark.parametrize(
    ("on", "lower", "higher", "year"),
    [
        (date(2022, 4, 1), 335, 557, "2021/22"),  # the first AP the regime thresholds cover
        (date(2022, 4, 10), 335, 557, "2021/22"),
        (date(2022, 4, 11), 344, 573, "2022/23"),
        (date(2023, 4, 10), 379, 631, "2023/24"),
        (date(2024, 4, 7), 379, 631, "2023/24"),
        (date(2024, 4, 8), 404, 673, "2024/25"),
        (date(2025, 4, 6), 404, 673, "2024/25"),
        (date(2025, 4, 7), 411, 684, "2025/26"),
        (date(2030, 1, 1), 411, 684, "2025/26"),  # the last row carries on until a newer one is added
    ],
)
def test_the_row_in_force_on_the_first_day_of_the_period(on, lower, higher, year):
    row = work_allowance_in_force(on)
    assert (row.lower, row.higher, row.tax_year) == (D(lower), D(higher), year)


def test_no_row_before_the_table_starts():
    with pytest.raises(NoWorkAllowanceInForce):
        work_allowance_in_force(date(2021, 11, 23))


def test_amount_by_kind():
    row = work_allowance_in_force(AP)
    assert row.amount(LOWER) == D(411)
    assert row.amount(HIGHER) == D(684)
    assert row.amount(NONE) == D(0)


@pytest.mark.parametrize(
    ("earnings", "allowance", "deduction"),
    [
        ("0", "684", "0.00"),
        ("684.00", "684", "0.00"),  # at the allowance: nothing tapered
        ("684.01", "684", "0.01"),  # 0.0055 rounds half-up to a penny
        ("685.00", "684", "0.55"),
        ("1684.00", "684", "550.00"),
        ("100.00", "0", "55.00"),
        ("0.01", "0", "0.01"),
        ("0.02", "0", "0.01"),  # 0.011 → 0.01
        ("0.09", "0", "0.05"),  # 0.0495 → 0.05
    ],
)
def test_earnings_deduction(earnings, allowance, deduction):
    assert earnings_deduction(D(earnings), D(allowance)) == D(deduction)


def test_extra_earnings_all_above_the_allowance_lose_55p_in_the_pound():
    effect = taper_effect(on=AP, earnings_before=D("952.38"), earnings_after=D("1375.66"), kind=HIGHER)
    assert effect.work_allowance == D(684)
    assert effect.extra_earnings == D("423.28")
    assert effect.uc_change == D("232.80")
    assert effect.better_off == D("190.48")
    assert effect.tapered_earnings == D("423.28")


def test_extra_earnings_crossing_the_allowance_are_tapered_only_above_it():
    effect = taper_effect(on=AP, earnings_before=D("600.00"), earnings_after=D("800.00"), kind=HIGHER)
    assert effect.tapered_earnings == D("116.00")
    assert effect.uc_change == D("63.80")
    assert effect.better_off == D("136.20")


def test_extra_earnings_inside_the_allowance_keep_every_pound():
    effect = taper_effect(on=AP, earnings_before=D("100.00"), earnings_after=D("400.00"), kind=LOWER)
    assert effect.uc_change == D(0)
    assert effect.better_off == D("300.00")
    assert "does not change" in " ".join(effect.explanation)


def test_without_a_work_allowance_the_taper_starts_at_the_first_pound():
    effect = taper_effect(on=AP, earnings_before=D(0), earnings_after=D("200.00"), kind=NONE)
    assert effect.work_allowance == D(0)
    assert effect.uc_change == D("110.00")
    assert effect.better_off == D("90.00")
    assert "does not get a work allowance" in effect.explanation[0]


def test_lower_allowance_with_housing_costs():
    effect = taper_effect(on=AP, earnings_before=D("411.00"), earnings_after=D("511.00"), kind=LOWER)
    assert effect.uc_change == D("55.00")
    assert effect.better_off == D("45.00")


def test_earning_less_puts_uc_up_and_leaves_them_worse_off():
    effect = taper_effect(on=AP, earnings_before=D("1000.00"), earnings_after=D("900.00"), kind=HIGHER)
    assert effect.extra_earnings == D("-100.00")
    assert effect.uc_change == D("-55.00")
    assert effect.better_off == D("-45.00")
    assert "goes up by £55.00" in " ".join(effect.explanation)


def test_an_older_period_uses_that_years_allowance():
    effect = taper_effect(
        on=date(2024, 6, 1), earnings_before=D("673.00"), earnings_after=D("773.00"), kind=HIGHER
    )
    assert effect.work_allowance == D(673)
    assert effect.figures_year == "2024/25"
    assert effect.uc_change == D("55.00")


def test_explanation_names_the_allowance_and_the_taper():
    effect = taper_effect(on=AP, earnings_before=D("952.38"), earnings_after=D("1375.66"), kind=HIGHER)
    text = " ".join(effect.explanation)
    assert "higher work allowance" in text and "£684.00" in text and "2025/26" in text
    assert "55p for each £1" in text
    assert "£423.28" in text and "£232.80" in text


def test_a_custom_table_can_be_passed():
    rows = (WorkAllowanceRow(date(2030, 4, 1), lower=D(500), higher=D(800), taper_rate=D("0.50")),)
    effect = taper_effect(
        on=date(2030, 5, 1), earnings_before=D(800), earnings_after=D(900), kind=HIGHER, rows=rows
    )
    assert effect.uc_change == D("50.00")
    assert effect.pence_per_pound == 50


@pytest.mark.parametrize("bad", [D("-1"), D("NaN"), D("Infinity")])
def test_bad_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        taper_effect(on=AP, earnings_before=bad, earnings_after=D(1), kind=HIGHER)


@pytest.mark.parametrize("bad", [1.5, True, "100"])
def test_non_decimal_amounts_are_refused(bad):
    with pytest.raises(TypeError):
        earnings_deduction(bad, D(0))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        taper_effect(on=AP, earnings_before=D(0), earnings_after=D(1), kind="council_tax")


pence = st.integers(min_value=0, max_value=10_000_000).map(lambda p: D(p) / 100)


@given(before=pence, after=pence, kind=st.sampled_from(list(WorkAllowanceKind)))
def test_properties(before, after, kind):
    effect = taper_effect(on=AP, earnings_before=before, earnings_after=after, kind=kind)
    # The sum is exact: what you earn extra is either kept or lost to the taper.
    assert effect.better_off + effect.uc_change == effect.extra_earnings
    # Every amount is whole pence.
    for amount in (effect.uc_change, effect.better_off, effect.deduction_before, effect.deduction_after):
        assert amount == amount.quantize(D("0.01"))
    extra = effect.extra_earnings
    if extra >= 0:
        # Earning more never costs more than 55p in the pound (give or take a penny of rounding) and never
        # makes anyone worse off.
        assert effect.uc_change >= 0
        assert effect.better_off >= extra * (1 - TAPER_RATE) - D("0.01")
        assert effect.better_off <= extra
    else:
        assert effect.uc_change <= 0 and effect.better_off <= 0
