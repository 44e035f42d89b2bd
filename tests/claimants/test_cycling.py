"""Tests of the pure regime-cycling detector (uc-regimes.md §6). No database or Django."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from claimants.regimes.cycling import (
    Crossing,
    CyclingResult,
    CyclingSettings,
    PeriodFacts,
    change_cause,
    detect_cycling,
    is_next_period,
)
from claimants.regimes.engine import (
    Cause,
    ConditionalityGroup,
    InvalidFacts,
    Person,
    Regime,
    next_period_start,
    parameters_in_force,
)
from claimants.regimes.reference_rates import AET_ROWS, WAGE_ROWS

D = Decimal
IWS = Regime.INTENSIVE_WORK_SEARCH
LT = Regime.LIGHT_TOUCH
WE = Regime.WORKING_ENOUGH
DOB = date(1990, 1, 1)


def monthly(first: date, count: int) -> list[date]:
    starts = [first]
    while len(starts) < count:
        starts.append(next_period_start(starts[-1]))
    return starts


def facts(
    start: date,
    employed: str | int,
    *,
    paydays: int | None = None,
    easement: bool = False,
    partner: Person | None = None,
    **person: object,
) -> PeriodFacts:
    return PeriodFacts(
        period_start=start,
        claimant=Person(DOB, D(employed), **person),  # type: ignore[arg-type]
        partner=partner,
        parameters=parameters_in_force(start, AET_ROWS, WAGE_ROWS),
        paydays=paydays,
        easement_active=easement,
    )


def series(first: date, earnings: Sequence[str | int], **kwargs: object) -> list[PeriodFacts]:
    return [
        facts(start, e, **kwargs) for start, e in zip(monthly(first, len(earnings)), earnings, strict=True)
    ]  # type: ignore[arg-type]


def counted(result: CyclingResult) -> list[Crossing]:
    return [c for c in result.crossings if c.counted]


# ----------------------------------------------------------------------------------------------------------------
# The rulebook's two examples
# ----------------------------------------------------------------------------------------------------------------


def test_rulebook_example_five_crossings_in_six_aps_is_cycling() -> None:
    # 2025/26 parameters, single, 35 h: 700, 1000, 650, 1100, 900, 1200.
    result = detect_cycling(series(date(2025, 5, 10), [700, 1000, 650, 1100, 900, 1200]))
    assert result.regime_cycling is True
    assert len(result.crossings) == 5 and len(counted(result)) == 5
    assert [c.direction for c in result.crossings] == ["up", "down", "up", "down", "up"]
    assert [(c.from_regime, c.to_regime) for c in result.crossings[:2]] == [(IWS, LT), (LT, IWS)]
    assert all(c.threshold_name == "single AET" and c.threshold == D("952.38") for c in result.crossings)
    assert not result.pay_cycle and not result.seasonal
    assert result.marginal is False  # 700 and 1,000 are not within 5% of £952.38
    assert (
        "June 2025 → July 2025: Light Touch → Intensive Work Search, £650.00 fell below the single AET of £952.38."
        in (result.explanation)
    )
    assert (
        "May 2025 → June 2025: Intensive Work Search → Light Touch, £1,000.00 crossed the single AET of £952.38."
        in result.explanation
    )
    assert result.explanation[0].startswith("Regime cycling: 5 crossings in the 6 assessment periods")


def test_rulebook_example_weekly_pay_is_a_pay_cycle_not_cycling() -> None:
    # Weekly £215: £860 in 4-payday APs (IWS), £1,075 in 5-payday APs (LT).
    paydays = [4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5]
    starts = monthly(date(2025, 4, 10), 12)
    periods = [facts(s, 215 * n, paydays=n) for s, n in zip(starts, paydays, strict=True)]
    result = detect_cycling(periods)
    assert result.regime_cycling is False
    assert result.pay_cycle is True
    assert result.crossings and all(c.pay_cycle and not c.counted for c in result.crossings)
    assert not result.marginal and not result.seasonal
    assert any(
        "pay-cycle effect (June 2025 had 5 paydays against the usual 4), not counted" in s
        for s in result.explanation
    )


def test_a_real_rise_in_a_five_payday_ap_still_counts() -> None:
    # £200 a week (4 paydays, £800) then £400 a week (5 paydays, £2,000): normalised £800 → £1,600 still crosses.
    periods = [facts(s, 800, paydays=4) for s in monthly(date(2025, 5, 10), 3)]
    periods.append(facts(date(2025, 8, 10), 2000, paydays=5))
    result = detect_cycling(periods)
    assert len(result.crossings) == 1
    assert result.crossings[0].counted and not result.crossings[0].pay_cycle
    assert result.crossings[0].to_regime is WE and result.crossings[0].threshold_name == "CET"


def test_monthly_pay_landing_twice_then_not_at_all_is_a_pay_cycle() -> None:
    # [Decision] an AP with 0 paydays borrows the other AP's pay per payday.
    paydays = [1, 1, 2, 0, 1, 1]
    earnings = [2000, 2000, 4000, 0, 2000, 2000]
    periods = [
        facts(s, e, paydays=n)
        for s, e, n in zip(monthly(date(2025, 5, 10), 6), earnings, paydays, strict=True)
    ]
    result = detect_cycling(periods)
    assert [(c.from_regime, c.to_regime) for c in result.crossings] == [(WE, IWS), (IWS, WE)]
    assert all(c.pay_cycle for c in result.crossings)
    assert not result.regime_cycling and result.pay_cycle


# ----------------------------------------------------------------------------------------------------------------
# What is and is not a crossing
# ----------------------------------------------------------------------------------------------------------------


def test_threshold_caused_changes_are_not_crossings_vector_28_pattern() -> None:
    # £900 every month: Light Touch until April 2025, when the AET rises to £952.38 (cause: threshold).
    periods = series(date(2024, 3, 15), [900] * 15)
    result = detect_cycling(periods)
    assert result.crossings == ()
    assert result.regime_cycling is False
    assert change_cause(periods[12], periods[13]) is Cause.THRESHOLD  # March → April 2025
    # Earnings fell at the same time as the uprating: it would have moved anyway, so still the threshold.
    assert change_cause(facts(date(2025, 3, 15), 900), facts(date(2025, 4, 15), 800)) is Cause.THRESHOLD


def test_change_cause_earnings_and_circumstance() -> None:
    a, b = monthly(date(2025, 5, 10), 2)
    assert change_cause(facts(a, 700), facts(b, 1000)) is Cause.EARNINGS
    assert change_cause(facts(a, 700), facts(b, 700)) is None
    # Expected hours cut to 16 (a circumstance) with the same £1,000: LT → WE.
    assert change_cause(facts(a, 1000), facts(b, 1000, expected_hours=D(16))) is Cause.CIRCUMSTANCE
    # A birthday into the adult band is a circumstance, not a threshold (the previous AP keeps its own dates).
    young = date(2004, 7, 1)  # 20 in the AP ending 9 June 2025, 21 in the one ending 9 July
    before = PeriodFacts(a, Person(young, D(1600)), None, parameters_in_force(a, AET_ROWS, WAGE_ROWS))
    after = PeriodFacts(b, Person(young, D(1600)), None, parameters_in_force(b, AET_ROWS, WAGE_ROWS))
    assert change_cause(before, after) is Cause.CIRCUMSTANCE
    # Couple formed: a circumstance even though the household's earnings changed too.
    assert change_cause(facts(a, 0), facts(b, 0, partner=Person(DOB, D(1600)))) is Cause.CIRCUMSTANCE


def test_group_changes_are_not_crossings() -> None:
    wp = ConditionalityGroup.WORK_PREPARATION
    starts = monthly(date(2025, 5, 10), 6)
    periods = [
        facts(starts[0], 700),
        facts(starts[1], 700, conditionality_group=wp),
        facts(starts[2], 700),
        facts(starts[3], 700, conditionality_group=wp),
        facts(starts[4], 700),
        facts(starts[5], 700, conditionality_group=wp),
    ]
    result = detect_cycling(periods)
    assert result.crossings == () and not result.regime_cycling


def test_sixteen_hour_group_crossings_are_counted() -> None:
    wp = ConditionalityGroup.WORK_PREPARATION
    result = detect_cycling(series(date(2025, 5, 10), [800, 900, 800, 900], conditionality_group=wp))
    assert [(c.from_regime, c.to_regime) for c in result.crossings] == [
        (Regime.WORK_PREPARATION, WE),
        (WE, Regime.WORK_PREPARATION),
        (Regime.WORK_PREPARATION, WE),
    ]
    assert result.crossings[0].threshold == D("846.56") and result.crossings[0].threshold_name == "CET"
    assert result.regime_cycling


def test_couple_crossings_name_the_couple_limb() -> None:
    partner_low, partner_high = Person(DOB, D(700)), Person(DOB, D(800))
    a, b = monthly(date(2025, 5, 10), 2)
    result = detect_cycling([facts(a, 800, partner=partner_low), facts(b, 800, partner=partner_high)])
    (crossing,) = result.crossings
    assert crossing.threshold_name == "couple AET" and crossing.threshold == D("1534.39")
    assert crossing.earnings == D("1600.00") and crossing.previous_earnings == D("1500.00")
    assert "the couple's £1,600.00 crossed the couple AET of £1,534.39" in crossing.description


def test_partner_regime_changes_alone_are_not_crossings() -> None:
    # The claimant stays Working Enough on their own CET while the partner moves.
    a, b, c = monthly(date(2025, 5, 10), 3)
    periods = [
        facts(a, 2000, partner=Person(DOB, D(100))),
        facts(b, 2000, partner=Person(DOB, D(1000))),
        facts(c, 2000, partner=Person(DOB, D(100))),
    ]
    assert detect_cycling(periods).crossings == ()


# ----------------------------------------------------------------------------------------------------------------
# Windows
# ----------------------------------------------------------------------------------------------------------------


def test_an_easement_breaks_the_window() -> None:
    earnings = [700, 1000, 650, 1100, 700]
    plain = detect_cycling(series(date(2025, 5, 10), earnings))
    assert len(plain.crossings) == 4 and plain.regime_cycling
    starts = monthly(date(2025, 5, 10), 5)
    periods = [facts(s, e, easement=(i == 2)) for i, (s, e) in enumerate(zip(starts, earnings, strict=True))]
    result = detect_cycling(periods)
    # No crossing into or out of July; June and September crossings sit in different runs.
    assert [c.period_start for c in result.crossings] == [starts[1], starts[4]]
    assert not result.regime_cycling
    two_in_six = CyclingSettings(short_min=2)
    assert detect_cycling(series(date(2025, 5, 10), [700, 1000, 1000, 1000, 700]), two_in_six).regime_cycling
    assert not detect_cycling(periods, two_in_six).regime_cycling  # windows don't span the easement
    assert any("July 2025: an easement is active" in s for s in result.explanation)


def test_no_work_related_requirements_breaks_the_window() -> None:
    nwrr = ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS
    starts = monthly(date(2025, 5, 10), 5)
    earnings = [700, 1000, 650, 1100, 700]
    periods = [
        facts(s, e, conditionality_group=nwrr) if i == 2 else facts(s, e)
        for i, (s, e) in enumerate(zip(starts, earnings, strict=True))
    ]
    result = detect_cycling(periods, CyclingSettings(short_min=2))
    assert [c.period_start for c in result.crossings] == [starts[1], starts[4]]
    assert not result.regime_cycling
    assert all(
        Regime.NO_WORK_RELATED_REQUIREMENTS not in (c.from_regime, c.to_regime) for c in result.crossings
    )


def test_a_gap_in_the_record_breaks_the_window() -> None:
    starts = monthly(date(2025, 5, 10), 6)
    kept = [starts[0], starts[1], starts[3], starts[4]]  # August's AP is missing
    periods = [facts(s, e) for s, e in zip(kept, [700, 1000, 700, 1000], strict=True)]
    result = detect_cycling(periods, CyclingSettings(short_min=2))
    assert len(result.crossings) == 2 and not result.regime_cycling
    assert any(
        "No assessment period is recorded between June 2025 and August 2025" in s for s in result.explanation
    )


def test_four_crossings_in_twelve_aps() -> None:
    # Crossings at APs 1, 4, 7, 10: never 3 in 6, but 4 in 12.
    pattern = [700, 1000, 1000, 1000, 700, 700, 700, 1000, 1000, 1000, 700, 700]
    result = detect_cycling(series(date(2025, 4, 10), pattern))
    assert len(counted(result)) == 4
    assert result.regime_cycling
    assert "4 crossings in the 12 assessment periods" in result.explanation[0]
    # Spread over 14 APs (crossings at 1, 5, 9, 13) they no longer fit in any 12.
    spread = [700, 1000, 1000, 1000, 1000, 700, 700, 700, 700, 1000, 1000, 1000, 1000, 700]
    result = detect_cycling(series(date(2025, 4, 10), spread))
    assert len(counted(result)) == 4 and not result.regime_cycling
    assert result.explanation[0].startswith("No regime cycling: at most 2 counted crossings in any 6")


def test_three_crossings_in_a_short_run_count_as_three_in_six() -> None:
    result = detect_cycling(series(date(2025, 5, 10), [700, 1000, 700, 1000]))
    assert len(result.crossings) == 3 and result.regime_cycling


def test_two_crossings_are_not_cycling() -> None:
    result = detect_cycling(series(date(2025, 5, 10), [700, 1000, 700, 700, 700, 700]))
    assert len(result.crossings) == 2 and not result.regime_cycling and not result.marginal


def test_custom_settings_are_honoured() -> None:
    periods = series(date(2025, 5, 10), [700, 1000, 700, 700, 700, 700])
    # Crossings into APs 1 and 2: 2 in a window of 3 APs, but not 3 in 6 nor 4 in 12.
    assert not detect_cycling(periods).regime_cycling
    assert detect_cycling(periods, CyclingSettings(short_window=3, short_min=2)).regime_cycling
    assert not detect_cycling(periods, CyclingSettings(long_min=3)).regime_cycling
    assert detect_cycling(periods, CyclingSettings(long_window=12, long_min=2)).regime_cycling
    with pytest.raises(ValueError):
        CyclingSettings(short_window=6, short_min=6)
    with pytest.raises(ValueError):
        CyclingSettings(short_min=0)
    with pytest.raises(ValueError):
        CyclingSettings(marginal_percent=D(-1))


# ----------------------------------------------------------------------------------------------------------------
# Sub-flags
# ----------------------------------------------------------------------------------------------------------------


def test_marginal_when_every_counted_crossing_is_near_the_threshold() -> None:
    result = detect_cycling(series(date(2025, 5, 10), [940, 960, 940, 960, 940, 960]))
    assert result.regime_cycling and result.marginal
    assert all(c.marginal for c in result.crossings)
    assert any(s.startswith("Marginal:") for s in result.explanation)


def test_marginal_is_measured_on_both_aps_exactly() -> None:
    # 5% of £952.38 is £47.619: £904.77 is within it, £904.76 is not.
    a, b = monthly(date(2025, 5, 10), 2)
    assert detect_cycling([facts(a, "904.77"), facts(b, 960)]).crossings[0].marginal
    assert not detect_cycling([facts(a, "904.76"), facts(b, 960)]).crossings[0].marginal
    assert not detect_cycling([facts(a, "904.77"), facts(b, "1000.00")]).crossings[0].marginal


def test_one_wide_crossing_means_not_marginal() -> None:
    result = detect_cycling(series(date(2025, 5, 10), [940, 960, 940, 1300, 940, 960]))
    assert result.regime_cycling and not result.marginal


def test_seasonal_when_the_same_move_recurs_a_year_later() -> None:
    # Christmas work: Light Touch in November and December, Intensive Work Search otherwise, two years running.
    starts = monthly(date(2024, 4, 10), 24)
    periods = [facts(s, 1200 if s.month in (11, 12) else 700) for s in starts]
    result = detect_cycling(periods)
    assert [c.direction for c in result.crossings] == ["up", "down", "up", "down"]
    assert result.seasonal is True
    assert result.regime_cycling is False  # 2 a year never reaches 3 in 6 or 4 in 12
    assert any(
        s.startswith("Seasonal: Intensive Work Search → Light Touch in November 2024")
        for s in result.explanation
    )


def test_seasonal_needs_the_higher_band_held_for_two_aps() -> None:
    starts = monthly(date(2024, 4, 10), 24)
    periods = [facts(s, 1200 if s.month == 11 else 700) for s in starts]
    assert detect_cycling(periods).seasonal is False


def test_seasonal_allows_a_month_either_way() -> None:
    starts = monthly(date(2024, 4, 10), 24)
    shifted = [
        facts(
            s,
            1200
            if (s.year == 2024 and s.month in (11, 12))
            or (s.year == 2025 and s.month in (12,))
            or (s.year == 2026 and s.month == 1)
            else 700,
        )
        for s in starts
    ]
    assert detect_cycling(shifted).seasonal is True  # up in November 2024 and December 2025
    far = [
        facts(
            s,
            1200
            if (s.year == 2024 and s.month in (10, 11)) or (s.year == 2026 and s.month in (1, 2))
            else 700,
        )
        for s in monthly(date(2024, 4, 10), 24)
    ]
    assert detect_cycling(far).seasonal is False  # October 2024 and January 2026 are 15 months apart


# ----------------------------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------------------------


def test_empty_and_single_period() -> None:
    for periods in ([], series(date(2025, 5, 10), [700])):
        result = detect_cycling(periods)
        assert not (result.regime_cycling or result.seasonal or result.marginal or result.pay_cycle)
        assert result.crossings == () and result.explanation


def test_periods_must_be_in_order() -> None:
    periods = series(date(2025, 5, 10), [700, 1000])
    with pytest.raises(ValueError, match="date order"):
        detect_cycling(list(reversed(periods)))


def test_invalid_paydays_and_facts() -> None:
    a, b = monthly(date(2025, 5, 10), 2)
    with pytest.raises(InvalidFacts) as caught:
        detect_cycling([facts(a, 700), facts(b, 700, paydays=-1)])
    assert caught.value.field == "periods[1].paydays"
    with pytest.raises(InvalidFacts) as caught:
        detect_cycling([facts(a, 700), facts(b, -1)])
    assert caught.value.field == "periods[1].claimant.employed_earnings"
    assert str(caught.value).startswith("Assessment period starting 10 June 2025: The claimant's employed")


def test_is_next_period() -> None:
    assert is_next_period(date(2025, 5, 10), date(2025, 6, 10))
    assert not is_next_period(date(2025, 5, 10), date(2025, 7, 10))
    assert is_next_period(date(2025, 1, 31), date(2025, 2, 28))
    assert is_next_period(date(2025, 2, 28), date(2025, 3, 31))  # anchored on the 31st
    assert is_next_period(date(2025, 2, 28), date(2025, 3, 28))
    assert not is_next_period(date(2025, 3, 15), date(2025, 4, 30))
    # APs anchored on the 31st across a short month are consecutive for the detector.
    periods = [facts(date(2025, 1, 31), 700), facts(date(2025, 2, 28), 1000), facts(date(2025, 3, 31), 700)]
    assert len(detect_cycling(periods).crossings) == 2
