"""Table-driven tests of the pure regime engine against the rulebook (shared/domain/uc-regimes.md).

No database or Django: plain pytest functions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from claimants.regimes.engine import (
    AetParameters,
    AgeBandRate,
    Assessment,
    Cause,
    ConditionalityGroup,
    InvalidFacts,
    Limb,
    NoThresholdsInForce,
    Parameters,
    Person,
    Regime,
    Thresholds,
    WageRates,
    age_on,
    assess,
    assessment_period_end,
    format_money,
    next_period_start,
    parameters_in_force,
)
from claimants.regimes.reference_rates import AET_ROWS, AET_TABLE, WAGE_ROWS, WAGE_TABLE

D = Decimal
IWS = Regime.INTENSIVE_WORK_SEARCH
LT = Regime.LIGHT_TOUCH
WE = Regime.WORKING_ENOUGH
WP = Regime.WORK_PREPARATION
WFI = Regime.WORK_FOCUSED_INTERVIEW
NWRR = Regime.NO_WORK_RELATED_REQUIREMENTS
VECTOR_START = date(2025, 6, 10)  # §8: "all for an AP starting 2025-06-10 unless stated"


def params(on: date) -> Parameters:
    return parameters_in_force(on, AET_ROWS, WAGE_ROWS)


def born_for_age(age: int, period_start: date = VECTOR_START) -> date:
    """A date of birth giving ``age`` on the AP's last day."""
    return date(assessment_period_end(period_start).year - age, 1, 1)


def person(
    employed: str | int = 0, *, age: int = 30, period_start: date = VECTOR_START, **kwargs: object
) -> Person:
    return Person(date_of_birth=born_for_age(age, period_start), employed_earnings=D(employed), **kwargs)  # type: ignore[arg-type]


def run(claimant: Person, partner: Person | None = None, period_start: date = VECTOR_START) -> Assessment:
    return assess(
        period_start=period_start, claimant=claimant, partner=partner, parameters=params(period_start)
    )


def shown(assessment: Assessment) -> dict[str, str | None]:
    return {k: None if v is None else str(v) for k, v in assessment.thresholds.as_money().items()}


SINGLE_2025 = {
    "aet_individual": "952.38",
    "aet_couple": None,
    "cet_individual": "1851.85",
    "cet_partner": None,
    "cet_household": None,
}
COUPLE_2025 = {
    "aet_individual": "952.38",
    "aet_couple": "1534.39",
    "cet_individual": "1851.85",
    "cet_partner": "1851.85",
    "cet_household": "3703.70",
}


@dataclass(frozen=True)
class Vector:
    claimant: Person
    partner: Person | None
    regime: Regime
    partner_regime: Regime | None
    thresholds: dict[str, str | None]
    period_start: date = VECTOR_START


def single(employed: str | int, regime: Regime, **changes: str | None) -> Vector:
    return Vector(person(employed), None, regime, None, {**SINGLE_2025, **changes})


def couple(a: str | int, b: str | int, regime: Regime, partner_regime: Regime) -> Vector:
    return Vector(person(a), person(b), regime, partner_regime, COUPLE_2025)


def dated(start: date, employed: str | int, regime: Regime, aet: str, cet: str) -> Vector:
    return Vector(
        person(employed, period_start=start),
        None,
        regime,
        None,
        {**SINGLE_2025, "aet_individual": aet, "cet_individual": cet},
        period_start=start,
    )


VECTORS = [
    pytest.param(single(0, IWS), id="1"),
    pytest.param(single("952.37", IWS), id="2"),
    pytest.param(single("952.38", LT), id="3"),
    pytest.param(single("1851.84", LT), id="5"),
    pytest.param(single("1851.85", WE), id="6"),
    pytest.param(
        Vector(person("952.38", age=19), None, LT, None, {**SINGLE_2025, "cet_individual": "1516.67"}), id="7"
    ),
    pytest.param(
        Vector(
            person("846.56", expected_hours=D(16)),
            None,
            WE,
            None,
            {**SINGLE_2025, "cet_individual": "846.56"},
        ),
        id="10",
    ),
    pytest.param(
        Vector(
            person(1000, expected_hours=D(25)), None, LT, None, {**SINGLE_2025, "cet_individual": "1322.75"}
        ),
        id="11",
    ),
    pytest.param(couple("1851.85", 0, WE, LT), id="16"),
    pytest.param(couple(900, 700, LT, LT), id="18"),
    pytest.param(couple(900, 600, IWS, IWS), id="19"),
    pytest.param(couple(1000, 0, LT, IWS), id="20"),
    pytest.param(
        Vector(
            person(0),
            person(1600, eligible_for_uc=False),
            LT,
            None,
            {**COUPLE_2025, "cet_partner": None},
        ),
        id="24",
    ),
    pytest.param(Vector(person(600, self_employed_earnings=D(500)), None, IWS, None, SINGLE_2025), id="25"),
    # 28: £900 across an uprating; the last change is caused by the threshold.
    pytest.param(dated(date(2024, 3, 15), 900, LT, "677.30", "1580.37"), id="28-2024-03-15"),
    pytest.param(dated(date(2024, 4, 15), 900, LT, "743.60", "1735.07"), id="28-2024-04-15"),
    pytest.param(dated(date(2024, 5, 15), 900, LT, "892.32", "1735.07"), id="28-2024-05-15"),
    pytest.param(dated(date(2025, 4, 15), 900, IWS, "952.38", "1851.85"), id="28-2025-04-15"),
    # 30: £450 either side of the September 2022 change from cash figures to hours.
    pytest.param(dated(date(2022, 8, 10), 450, LT, "355.00", "1440.83"), id="30-2022-08-10"),
    pytest.param(dated(date(2022, 10, 10), 450, IWS, "494.00", "1440.83"), id="30-2022-10-10"),
]


@pytest.mark.parametrize("vector", VECTORS)
def test_rulebook_worked_vectors(vector: Vector) -> None:
    result = run(vector.claimant, vector.partner, vector.period_start)
    assert result.regime is vector.regime
    assert result.partner_regime is vector.partner_regime
    assert shown(result) == vector.thresholds
    assert result.explanation and all(sentence.strip() for sentence in result.explanation)


def test_vector_28_last_change_is_caused_by_the_threshold() -> None:
    # Recomputing May 2024's facts with April 2025's parameters already moves the band: cause "threshold".
    from claimants.regimes.cycling import PeriodFacts, change_cause

    def facts(start: date) -> PeriodFacts:
        return PeriodFacts(start, person(900, period_start=start), None, params(start))

    assert change_cause(facts(date(2025, 3, 15)), facts(date(2025, 4, 15))) is Cause.THRESHOLD
    assert change_cause(facts(date(2024, 4, 15)), facts(date(2024, 5, 15))) is None


# ----------------------------------------------------------------------------------------------------------------
# Seed tables
# ----------------------------------------------------------------------------------------------------------------

AET_PUBLISHED = [
    (date(2022, 4, 1), "cash", "355.00", "567.00"),
    (date(2022, 9, 26), "hours", "494.00", "782.17"),
    (date(2023, 1, 30), "hours", "617.50", "988.00"),
    (date(2023, 4, 1), "hours", "677.30", "1083.68"),
    (date(2024, 4, 1), "hours", "743.60", "1189.76"),
    (date(2024, 5, 13), "hours", "892.32", "1437.63"),
    (date(2025, 4, 7), "hours", "952.38", "1534.39"),
    (date(2026, 4, 6), "hours", "991.38", "1597.22"),
]


@pytest.mark.parametrize(("effective_from", "basis", "single_aet", "couple_aet"), AET_PUBLISHED)
def test_aet_seed_rows_give_the_rulebook_figures(
    effective_from: date, basis: str, single_aet: str, couple_aet: str
) -> None:
    row = parameters_in_force(effective_from, AET_ROWS, WAGE_ROWS).aet
    assert row.effective_from == effective_from
    assert row.basis == basis
    assert format_money(row.single_threshold) == format_money(D(single_aet))
    assert format_money(row.couple_threshold) == format_money(D(couple_aet))


def test_seed_tables_have_every_row_and_agree_with_the_dataclasses() -> None:
    assert [row["effective_from"] for row in AET_TABLE] == [r[0] for r in AET_PUBLISHED]
    assert [row.effective_from for row in WAGE_ROWS] == [date(y, 4, 1) for y in range(2019, 2027)]
    assert len(WAGE_TABLE) == len(WAGE_ROWS) == 8
    assert AET_TABLE[0]["basis"] == "cash" and all(row["basis"] == "hours" for row in AET_TABLE[1:])
    assert (
        AET_ROWS[1].single_hours == 12
        and AET_ROWS[1].couple_hours == 19
        and AET_ROWS[1].hourly_rate == D("9.50")
    )


@pytest.mark.parametrize(
    ("year", "age", "rate"),
    [
        (2019, 25, "8.21"),
        (2019, 24, "7.70"),
        (2019, 21, "7.70"),
        (2019, 20, "6.15"),
        (2019, 17, "4.35"),
        (2020, 25, "8.72"),
        (2020, 22, "8.20"),
        (2021, 23, "8.91"),
        (2021, 22, "8.36"),
        (2022, 23, "9.50"),
        (2022, 21, "9.18"),
        (2022, 18, "6.83"),
        (2023, 23, "10.42"),
        (2023, 22, "10.18"),
        (2023, 16, "5.28"),
        (2024, 21, "11.44"),
        (2024, 20, "8.60"),
        (2025, 21, "12.21"),
        (2025, 90, "12.21"),
        (2025, 19, "10.00"),
        (2025, 16, "7.55"),
        (2026, 21, "12.71"),
        (2026, 20, "10.85"),
        (2026, 17, "8.00"),
    ],
)
def test_wage_rate_for_age(year: int, age: int, rate: str) -> None:
    # Wage rows start in 2019, before any AET row, so look the row up directly.
    wages = next(row for row in WAGE_ROWS if row.effective_from == date(year, 4, 1))
    assert wages.rate_for_age(age) == D(rate)


def test_wage_rows_adult_and_apprentice_rates() -> None:
    rows = {row.effective_from.year: row for row in WAGE_ROWS}
    assert [rows[y].adult_rate for y in range(2019, 2027)] == [
        D(x) for x in ("8.21", "8.72", "8.91", "9.50", "10.42", "11.44", "12.21", "12.71")
    ]
    assert [rows[y].apprentice_rate for y in range(2019, 2027)] == [
        D(x) for x in ("3.90", "4.15", "4.30", "4.81", "5.28", "6.40", "7.55", "8.00")
    ]
    assert [rows[y].adult_band.min_age for y in range(2019, 2027)] == [25, 25, 23, 23, 23, 21, 21, 21]
    assert len(rows[2023].bands) == 4 and len(rows[2024].bands) == 3
    with pytest.raises(ValueError, match="age 15"):
        rows[2025].rate_for_age(15)


# ----------------------------------------------------------------------------------------------------------------
# parameters_in_force
# ----------------------------------------------------------------------------------------------------------------


def test_no_thresholds_before_april_2022_for_the_aet_or_april_2019_for_wages() -> None:
    with pytest.raises(NoThresholdsInForce, match="administrative earnings threshold"):
        parameters_in_force(date(2022, 3, 31), AET_ROWS, WAGE_ROWS)
    with pytest.raises(NoThresholdsInForce, match="minimum wage"):
        parameters_in_force(date(2022, 4, 1), AET_ROWS, ())
    with pytest.raises(NoThresholdsInForce):
        parameters_in_force(date(2019, 3, 31), AET_ROWS, WAGE_ROWS)
    assert issubclass(NoThresholdsInForce, ValueError)
    assert params(date(2022, 4, 1)).aet.single_cash == D("355.00")


def test_wage_rows_exist_from_april_2019() -> None:
    aet_2022 = AET_ROWS[0]
    shifted = AetParameters(
        date(2019, 1, 1), single_cash=aet_2022.single_cash, couple_cash=aet_2022.couple_cash
    )
    assert parameters_in_force(date(2019, 4, 1), (shifted,), WAGE_ROWS).wages.adult_rate == D("8.21")
    with pytest.raises(NoThresholdsInForce):
        parameters_in_force(date(2019, 3, 31), (shifted,), WAGE_ROWS)


def test_parameters_in_force_takes_the_latest_row_on_or_before_the_date_in_any_order() -> None:
    rows = list(AET_ROWS)
    random.Random(4).shuffle(rows)
    assert parameters_in_force(date(2024, 5, 12), rows, WAGE_ROWS).aet.effective_from == date(2024, 4, 1)
    assert parameters_in_force(date(2024, 5, 13), rows, WAGE_ROWS).aet.effective_from == date(2024, 5, 13)
    assert parameters_in_force(date(2030, 1, 1), rows, WAGE_ROWS).aet.effective_from == date(2026, 4, 6)


def test_aet_has_its_own_effective_date_and_rate() -> None:
    # 1–6 April 2025: the CET already uses £12.21 but the AET is still 18 h × £11.44.
    early_april = params(date(2025, 4, 3))
    assert early_april.aet.hourly_rate == D("11.44") and early_april.wages.adult_rate == D("12.21")
    result = run(person(900, period_start=date(2025, 4, 3)), period_start=date(2025, 4, 3))
    assert shown(result)["aet_individual"] == "892.32"
    assert shown(result)["cet_individual"] == "1851.85"
    assert result.regime is LT
    assert run(person(900, period_start=date(2025, 4, 7)), period_start=date(2025, 4, 7)).regime is IWS


def test_duplicate_rows_for_one_date_are_a_data_error() -> None:
    clash = AetParameters(date(2025, 4, 7), single_cash=D(1), couple_cash=D(2))
    with pytest.raises(ValueError, match="more than one"):
        parameters_in_force(date(2025, 5, 1), (*AET_ROWS, clash), WAGE_ROWS)


def test_reference_data_validation() -> None:
    with pytest.raises(ValueError):
        AetParameters(date(2025, 1, 1), single_cash=D(1))
    with pytest.raises(ValueError):
        AetParameters(date(2025, 1, 1), single_cash=D(1), couple_cash=D(2), hourly_rate=D(3))
    with pytest.raises(ValueError):
        AetParameters(date(2025, 1, 1), single_hours=D(1), couple_hours=D(2), hourly_rate=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gap"):
        WageRates(date(2025, 1, 1), (AgeBandRate(21, None, D(12)), AgeBandRate(16, 17, D(7))), D(7))
    with pytest.raises(ValueError, match="open-ended"):
        WageRates(date(2025, 1, 1), (AgeBandRate(16, 20, D(7)),), D(7))
    with pytest.raises(ValueError):
        AgeBandRate(20, 18, D(7))


# ----------------------------------------------------------------------------------------------------------------
# Boundaries: a penny either side of every threshold (inclusive, exact)
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "kwargs", "below", "at", "regime_below", "regime_at"),
    [
        # single AET, each AET row (exact products; 2022 cash)
        (date(2022, 4, 10), {}, "354.99", "355.00", IWS, LT),
        (date(2022, 10, 10), {}, "493.99", "494.00", IWS, LT),
        (date(2023, 2, 10), {}, "617.49", "617.50", IWS, LT),
        (date(2023, 4, 10), {}, "677.29", "677.30", IWS, LT),
        (date(2024, 4, 10), {}, "743.59", "743.60", IWS, LT),
        (date(2024, 6, 10), {}, "892.31", "892.32", IWS, LT),
        (date(2025, 6, 10), {}, "952.37", "952.38", IWS, LT),
        (date(2026, 6, 10), {}, "991.37", "991.38", IWS, LT),
        # CET at 35 h: 2025 exact; 2022 exact product 1440.8333… so 1440.83 is below it
        (date(2025, 6, 10), {}, "1851.84", "1851.85", LT, WE),
        (date(2022, 10, 10), {}, "1440.83", "1440.84", LT, WE),
        (date(2026, 6, 10), {}, "1927.68", "1927.69", LT, WE),  # 35 × 12.71 × 52 / 12 = 1927.6833…
        # age 19 in 2025/26: 10.00 × 35 × 52 / 12 = 1516.666…
        (date(2025, 6, 10), {"age": 19}, "1516.66", "1516.67", LT, WE),
        # 16-hour CET below the AET: CET decides
        (date(2025, 6, 10), {"expected_hours": D(16)}, "846.55", "846.56", IWS, WE),
        (
            date(2025, 6, 10),
            {"conditionality_group": ConditionalityGroup.WORK_PREPARATION},
            "846.55",
            "846.56",
            WP,
            WE,
        ),
        (
            date(2025, 6, 10),
            {"conditionality_group": ConditionalityGroup.WORK_FOCUSED_INTERVIEW},
            "846.55",
            "846.56",
            WFI,
            WE,
        ),
        # apprentice: 7.55 × 30 (capped) × 52 / 12 = 981.50
        (date(2025, 6, 10), {"apprentice": True}, "981.49", "981.50", LT, WE),
        # fractional expected hours: 22.5 × 12.21 × 52 / 12 = 1190.475
        (date(2025, 6, 10), {"expected_hours": D("22.5")}, "1190.47", "1190.48", LT, WE),
    ],
)
def test_penny_either_side_of_single_boundaries(
    start: date, kwargs: dict[str, object], below: str, at: str, regime_below: Regime, regime_at: Regime
) -> None:
    age = int(kwargs.pop("age", 30))  # type: ignore[call-overload]
    assert (
        run(person(below, age=age, period_start=start, **kwargs), period_start=start).regime is regime_below
    )
    assert run(person(at, age=age, period_start=start, **kwargs), period_start=start).regime is regime_at


@pytest.mark.parametrize(
    ("start", "below", "at"),
    [
        (date(2022, 4, 10), "566.99", "567.00"),
        (date(2022, 10, 10), "782.16", "782.17"),  # 19 × 9.50 × 52 / 12 = 782.1666…
        (date(2024, 6, 10), "1437.62", "1437.63"),  # 1437.6266…
        (date(2025, 6, 10), "1534.38", "1534.39"),
        (date(2026, 6, 10), "1597.22", "1597.23"),  # 1597.2233…: the displayed £1,597.22 is below it
    ],
)
def test_penny_either_side_of_the_couple_aet(start: date, below: str, at: str) -> None:
    # Each partner earns about half, below the single AET, so only the couple limb can lift them out of IWS.
    for combined, expected in ((below, IWS), (at, LT)):
        amount = D(combined)
        claimant_share = (amount / 2).quantize(D("0.01"))
        result = run(
            person(claimant_share, period_start=start),
            person(amount - claimant_share, period_start=start),
            period_start=start,
        )
        assert (result.regime, result.partner_regime) == (expected, expected)
    result = run(person(at, period_start=start), person(0, period_start=start), period_start=start)
    assert result.decided_by is Limb.AET_INDIVIDUAL
    assert result.partner_decided_by is Limb.AET_COUPLE


def test_penny_either_side_of_the_household_cet() -> None:
    below = run(person("1851.84"), person("1851.85"))
    at = run(person("1851.85"), person("1851.85"))
    assert (below.regime, below.partner_regime) == (LT, WE)
    assert (at.regime, at.partner_regime) == (WE, WE)
    # One partner above their own CET carries the other: combined ≥ the sum of both thresholds.
    carried = run(person("3003.70"), person("700.00"))
    assert (carried.regime, carried.partner_regime) == (WE, WE)
    assert carried.partner_decided_by is Limb.CET_HOUSEHOLD
    short = run(person("3003.69"), person("700.00"))
    assert (short.regime, short.partner_regime) == (WE, LT)  # the couple AET limb still applies
    assert short.partner_decided_by is Limb.AET_COUPLE


# ----------------------------------------------------------------------------------------------------------------
# Ages and assessment periods
# ----------------------------------------------------------------------------------------------------------------


def test_birthday_on_the_last_day_of_the_ap_counts_but_the_day_after_does_not() -> None:
    # AP 10 June – 9 July 2025. Turning 21 on 9 July → adult rate for the whole AP; on 10 July → age 18–20 rate.
    on_last_day = Person(date(2004, 7, 9), D(1600))
    day_after = Person(date(2004, 7, 10), D(1600))
    first = run(on_last_day)
    second = run(day_after)
    assert (first.age, first.regime, shown(first)["cet_individual"]) == (21, LT, "1851.85")
    assert (second.age, second.regime, shown(second)["cet_individual"]) == (20, WE, "1516.67")
    assert any("age 18–20 rate" in s for s in second.explanation)
    assert any("adult National Living Wage (age 21 and over)" in s for s in first.explanation)


def test_age_band_21_22_in_2023() -> None:
    start = date(2023, 6, 10)  # AP ends 9 July 2023
    twenty_three = run(Person(date(2000, 7, 9), D(1700)), period_start=start)
    twenty_two = run(Person(date(2000, 7, 10), D(1700)), period_start=start)
    assert shown(twenty_three)["cet_individual"] == "1580.37"  # 10.42 × 35 × 52 / 12
    assert shown(twenty_two)["cet_individual"] == "1543.97"  # 10.18 × 35 × 52 / 12 = 1543.966…
    assert twenty_three.regime is WE and twenty_two.regime is WE
    assert run(Person(date(2000, 7, 10), D("1543.96")), period_start=start).regime is LT


def test_leap_day_birthday() -> None:
    # [Decision] born 29 February: a year older on 1 March in a non-leap year.
    assert age_on(date(2004, 2, 29), date(2025, 2, 28)) == 20
    assert age_on(date(2004, 2, 29), date(2025, 3, 1)) == 21
    assert age_on(date(2004, 2, 29), date(2024, 2, 29)) == 20
    feb = run(Person(date(2004, 2, 29), D(0)), period_start=date(2025, 2, 1))  # ends 28 Feb 2025
    mar = run(Person(date(2004, 2, 29), D(0)), period_start=date(2025, 2, 2))  # ends 1 Mar 2025
    assert (feb.age, mar.age) == (20, 21)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 6, 10), date(2025, 7, 9)),
        (date(2025, 12, 15), date(2026, 1, 14)),
        (date(2025, 1, 1), date(2025, 1, 31)),
        (date(2025, 1, 28), date(2025, 2, 27)),
        (date(2025, 1, 29), date(2025, 2, 27)),  # next AP starts 28 Feb (the month's last day)
        (date(2025, 1, 30), date(2025, 2, 27)),
        (date(2025, 1, 31), date(2025, 2, 27)),
        (date(2024, 1, 29), date(2024, 2, 28)),  # leap year: next AP starts 29 Feb
        (date(2024, 1, 30), date(2024, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 28)),
        (date(2024, 2, 29), date(2024, 3, 28)),
        (date(2025, 3, 31), date(2025, 4, 29)),
        (date(2025, 8, 31), date(2025, 9, 29)),
        (date(2025, 10, 31), date(2025, 11, 29)),
    ],
)
def test_assessment_period_end(start: date, end: date) -> None:
    assert assessment_period_end(start) == end


def test_assessment_period_anchor_day_for_short_month_starts() -> None:
    # An AP anchored on the 31st that starts on 28 February is followed by one starting on 31 March.
    assert next_period_start(date(2025, 2, 28), anchor_day=31) == date(2025, 3, 31)
    assert assessment_period_end(date(2025, 2, 28), anchor_day=31) == date(2025, 3, 30)
    assert assessment_period_end(date(2025, 4, 30), anchor_day=31) == date(2025, 5, 30)
    assert assessment_period_end(date(2025, 2, 28)) == date(2025, 3, 27)
    with pytest.raises(ValueError):
        assessment_period_end(date(2025, 3, 15), anchor_day=31)
    with pytest.raises(ValueError):
        next_period_start(date(2025, 3, 31), anchor_day=32)


def test_assessment_reports_its_dates() -> None:
    result = run(person(0, period_start=date(2025, 1, 31)), period_start=date(2025, 1, 31))
    assert (result.period_start, result.period_end) == (date(2025, 1, 31), date(2025, 2, 27))
    # Anchored on the 31st, the AP starting 28 February ends on 30 March: a 30 March birthday counts.
    start = date(2025, 2, 28)
    turning_21 = Person(date(2004, 3, 30), D(1600))
    anchored = assess(
        period_start=start, claimant=turning_21, partner=None, parameters=params(start), anchor_day=31
    )
    assert (anchored.period_end, anchored.age, anchored.regime) == (date(2025, 3, 30), 21, LT)
    plain = run(turning_21, period_start=start)
    assert (plain.period_end, plain.age, plain.regime) == (date(2025, 3, 27), 20, WE)
    with pytest.raises(InvalidFacts) as caught:
        assess(
            period_start=date(2025, 3, 15),
            claimant=turning_21,
            partner=None,
            parameters=params(start),
            anchor_day=31,
        )
    assert caught.value.field == "anchor_day"


# ----------------------------------------------------------------------------------------------------------------
# Apprentices, MIF, groups, couples
# ----------------------------------------------------------------------------------------------------------------


def test_apprentice_rate_and_30_hour_cap() -> None:
    capped = run(person(0, apprentice=True, expected_hours=D(40)))
    assert shown(capped)["cet_individual"] == "981.50"  # 7.55 × 30 × 52 / 12
    assert any("capped at 30" in s for s in capped.explanation)
    under_cap = run(person(0, apprentice=True, expected_hours=D(20)))
    assert shown(under_cap)["cet_individual"] == "654.33"  # 7.55 × 20 × 52 / 12 = 654.333…
    at_cap = run(person(0, apprentice=True, expected_hours=D(30)))
    assert shown(at_cap)["cet_individual"] == "981.50"
    prep = run(person(0, apprentice=True, conditionality_group=ConditionalityGroup.WORK_PREPARATION))
    assert shown(prep)["cet_individual"] == "523.47"  # 7.55 × 16 × 52 / 12 = 523.466…
    # The AET still uses the adult NLW: an apprentice on £960 is Light Touch under the 35 h (capped 30) CET.
    assert run(person(960, apprentice=True)).regime is LT


def test_minimum_income_floor_means_working_enough() -> None:
    result = run(person(0, minimum_income_floor=True, self_employed_earnings=D(100)))
    assert result.regime is WE and result.decided_by is Limb.MINIMUM_INCOME_FLOOR
    assert any("Minimum Income Floor" in s for s in result.explanation)
    # The partner of a MIF claimant is judged on their own and the couple's figures.
    couple_result = run(person(0, minimum_income_floor=True), person(1600))
    assert (couple_result.regime, couple_result.partner_regime) == (WE, LT)
    # No work-related requirements still wins over the MIF (least conditional).
    nwrr = run(
        person(
            0,
            minimum_income_floor=True,
            conditionality_group=ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS,
        )
    )
    assert nwrr.regime is NWRR


def test_no_work_related_requirements_is_never_made_more_conditional() -> None:
    for earnings in ("0", "500", "5000"):
        result = run(person(earnings, conditionality_group=ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS))
        assert result.regime is NWRR and result.decided_by is Limb.CONDITIONALITY_GROUP
        assert shown(result)["cet_individual"] == "0.00"


def test_partner_in_nwrr_contributes_zero_to_the_household_cet() -> None:
    nwrr = ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS
    result = run(person(1000), person(900, conditionality_group=nwrr))
    assert shown(result)["cet_partner"] == "0.00"
    assert shown(result)["cet_household"] == "1851.85"
    # combined £1,900 ≥ £1,851.85 + £0: the claimant is Working Enough on the household limb.
    assert (result.regime, result.partner_regime) == (WE, NWRR)
    assert result.decided_by is Limb.CET_HOUSEHOLD
    below = run(person(1000), person("851.84", conditionality_group=nwrr))
    assert (below.regime, below.partner_regime) == (LT, NWRR)
    assert any("£0.00 for your partner" in s for s in result.explanation)
    # And the other way round: a claimant in NWRR lets the partner's own CET stand alone in the household sum.
    flipped = run(person(900, conditionality_group=nwrr), person(1000))
    assert (flipped.regime, flipped.partner_regime) == (NWRR, WE)
    assert shown(flipped)["cet_household"] == "1851.85"


def test_partner_not_eligible_for_uc() -> None:
    # Household figure = claimant's CET + 35 h × adult NLW × 52 / 12 = 1851.85 + 1851.85.
    ineligible = person(2800, age=70, eligible_for_uc=False)
    result = run(person(1000), ineligible)
    assert result.partner_regime is None and result.partner_decided_by is None
    assert shown(result) == {**COUPLE_2025, "cet_partner": None}
    assert (result.regime, result.decided_by) == (WE, Limb.CET_HOUSEHOLD)
    assert run(person(1000), person("2703.69", eligible_for_uc=False)).regime is LT
    assert any("not eligible for Universal Credit" in s for s in result.explanation)
    # 16-hour claimant: household = 846.56 + 1851.85 even though the partner is young (adult NLW used).
    young = run(
        person(0, conditionality_group=ConditionalityGroup.WORK_PREPARATION),
        person(0, age=18, eligible_for_uc=False),
    )
    assert shown(young)["cet_household"] == "2698.41"
    # The partner's self-employed earnings count to the CET but not to the couple AET.
    se_only = run(person(0), person(0, self_employed_earnings=D(2000), eligible_for_uc=False))
    assert se_only.regime is IWS


@pytest.mark.parametrize(
    "group", [ConditionalityGroup.WORK_PREPARATION, ConditionalityGroup.WORK_FOCUSED_INTERVIEW]
)
def test_wp_and_wfi_use_16_hours_whatever_the_expected_hours(group: ConditionalityGroup) -> None:
    regime = Regime(group.value)
    for hours in (D(0), D(10), D(35)):
        result = run(person(1000, conditionality_group=group, expected_hours=hours))
        assert shown(result)["cet_individual"] == "846.56"
        assert result.regime is WE
        below = run(person("846.55", conditionality_group=group, expected_hours=hours))
        assert below.regime is regime
    result = run(person(0, conditionality_group=group))
    assert any("16 hours a week because you are in the" in s for s in result.explanation)
    # Above the AET but below the 16 h CET is impossible (846.56 < 952.38); earnings between them never give LT.
    assert run(person(900, conditionality_group=group)).regime is WE


def test_wp_claimant_can_be_working_enough_on_the_household_limb() -> None:
    wp = ConditionalityGroup.WORK_PREPARATION
    # household = 846.56 + 1851.85 = 2698.41
    result = run(person(500, conditionality_group=wp), person("2198.41"))
    assert (result.regime, result.partner_regime) == (WE, WE)
    assert shown(result)["cet_household"] == "2698.41"
    below = run(person(500, conditionality_group=wp), person("2198.40"))
    assert (below.regime, below.partner_regime) == (WP, WE)


def test_self_employed_earnings_count_for_the_cet_but_never_the_aet() -> None:
    only_se = run(person(0, self_employed_earnings=D(1500)))
    assert only_se.regime is IWS
    assert any("never towards the AET" in s for s in only_se.explanation)
    assert run(person(0, self_employed_earnings=D("1851.85"))).regime is WE
    assert run(person("851.85", self_employed_earnings=D(1000))).regime is WE
    # The couple AET counts employed earnings only.
    result = run(person(0, self_employed_earnings=D(1000)), person(1000))
    assert (result.regime, result.partner_regime) == (IWS, LT)


def test_zero_expected_hours_means_a_zero_cet() -> None:
    # [Decision] expected hours of 0 are accepted (0–168); reg 90 then gives a CET of £0, which any earnings meet.
    result = run(person(0, expected_hours=D(0)))
    assert result.regime is WE and shown(result)["cet_individual"] == "0.00"


# ----------------------------------------------------------------------------------------------------------------
# Explanations
# ----------------------------------------------------------------------------------------------------------------


def test_explanation_for_a_simple_iws_case_reads_as_the_rulebook_example() -> None:
    result = run(person(880))
    assert (
        "£880.00 is below the single AET of £952.38 for this period, and below your CET of £1,851.85 "
        "(35 hours at £12.21 an hour)." in result.explanation
    )
    assert any("18 hours a week at the adult National Living Wage of £12.21" in s for s in result.explanation)
    assert any("Intensive Work Search" in s for s in result.explanation)


def test_explanations_name_the_deciding_limb_the_aet_basis_and_the_partner() -> None:
    vector_16 = run(person("1851.85"), person(0))
    text = " ".join(vector_16.explanation)
    assert "meet your CET of £1,851.85 (35 hours at £12.21 an hour)" in text
    assert "couple's combined employed earnings of £1,851.85 meet the couple AET of £1,534.39" in text
    assert "your partner is in the Light Touch regime" in text
    assert vector_16.decided_by is Limb.CET_INDIVIDUAL and vector_16.partner_decided_by is Limb.AET_COUPLE
    cash = run(person(450, period_start=date(2022, 8, 10)), period_start=date(2022, 8, 10))
    assert any("fixed cash amount of £355.00" in s for s in cash.explanation)
    age_19 = run(person("952.38", age=19))
    assert any("the age 18–20 rate of £10.00 an hour" in s for s in age_19.explanation)
    assert any("whatever the person's age" in s for s in age_19.explanation)
    se = run(person(600, self_employed_earnings=D(500)))
    assert any("£1,100.00 (£600.00 employed + £500.00 self-employed)" in s for s in se.explanation)


def test_every_decision_path_explains_itself() -> None:
    nwrr = ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS
    cases = [
        (person(0), None),
        (person(1000), None),
        (person(2000), None),
        (person(0, minimum_income_floor=True), None),
        (person(0, conditionality_group=nwrr), None),
        (person(0, conditionality_group=ConditionalityGroup.WORK_PREPARATION), None),
        (person(0, conditionality_group=ConditionalityGroup.WORK_FOCUSED_INTERVIEW), person(0)),
        (person(0), person(1600)),
        (person(1000), person(3000)),
        (person(0), person(0, eligible_for_uc=False)),
        (person(0, self_employed_earnings=D(10)), person(0, conditionality_group=nwrr)),
    ]
    for claimant, partner in cases:
        result = run(claimant, partner)
        assert len(result.explanation) >= 3
        assert all(isinstance(s, str) and s.strip() and s.rstrip().endswith(".") for s in result.explanation)
        assert result.regime.label in " ".join(result.explanation)
        if result.partner_regime is not None:
            assert "your partner is in the" in " ".join(
                result.explanation
            ) or "Your partner is in the" in " ".join(result.explanation)


# ----------------------------------------------------------------------------------------------------------------
# Invalid facts
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claimant", "partner", "field"),
    [
        (person(-1), None, "claimant.employed_earnings"),
        (person("0.001"), None, "claimant.employed_earnings"),
        (Person(date(1990, 1, 1), 100.5), None, "claimant.employed_earnings"),  # type: ignore[arg-type]
        (Person(date(1990, 1, 1), D("NaN")), None, "claimant.employed_earnings"),
        (person(0, self_employed_earnings=D(-5)), None, "claimant.self_employed_earnings"),
        (person(0, expected_hours=D("168.01")), None, "claimant.expected_hours"),
        (person(0, expected_hours=D(-1)), None, "claimant.expected_hours"),
        (person(0, expected_hours=D("Infinity")), None, "claimant.expected_hours"),
        (Person(date(2025, 7, 10), D(0)), None, "claimant.date_of_birth"),  # after the AP's end
        (Person(date(2009, 7, 10), D(0)), None, "claimant.date_of_birth"),  # 15 on 9 July 2025
        (Person(datetime(1990, 1, 1), D(0)), None, "claimant.date_of_birth"),
        (person(0, conditionality_group="nonsense"), None, "claimant.conditionality_group"),
        (person(0, apprentice="yes"), None, "claimant.apprentice"),
        (person(0, eligible_for_uc=False), None, "claimant.eligible_for_uc"),
        (person(0), person(-1), "partner.employed_earnings"),
        (person(0), Person(date(2010, 1, 1), D(0)), "partner.date_of_birth"),
        (person(0), person(0, expected_hours=D(200)), "partner.expected_hours"),
    ],
)
def test_invalid_facts_name_the_field(claimant: Person, partner: Person | None, field: str) -> None:
    with pytest.raises(InvalidFacts) as caught:
        run(claimant, partner)
    assert caught.value.field == field
    assert str(caught.value) and str(caught.value)[0].isupper() and str(caught.value).endswith(".")
    assert isinstance(caught.value, ValueError)


def test_sixteen_on_the_last_day_is_old_enough() -> None:
    assert run(Person(date(2009, 7, 9), D(0))).age == 16
    assert run(Person(date(2009, 7, 9), D(0))).regime is IWS


def test_invalid_period_start() -> None:
    with pytest.raises(InvalidFacts) as caught:
        assess(
            period_start=datetime(2025, 6, 10),
            claimant=person(0),
            partner=None,
            parameters=params(VECTOR_START),
        )
    assert caught.value.field == "period_start"


def test_string_group_values_are_accepted() -> None:
    assert run(person(0, conditionality_group="work_preparation")).regime is WP


# ----------------------------------------------------------------------------------------------------------------
# Enums, money formatting, thresholds display
# ----------------------------------------------------------------------------------------------------------------


def test_regime_labels_and_ranks() -> None:
    assert [r.label for r in Regime] == [
        "Intensive Work Search",
        "Light Touch",
        "Working Enough",
        "Preparing for work",
        "Planning for work",
        "No work-related requirements",
    ]
    ranked = sorted(Regime, key=lambda r: r.conditionality_rank, reverse=True)
    assert ranked == [IWS, LT, WP, WFI, WE, NWRR]
    assert Regime("light_touch") is LT and LT == "light_touch"
    assert [c.value for c in Cause] == ["earnings", "threshold", "circumstance", "easement"]
    assert {g.value for g in ConditionalityGroup} == {
        "all_work_related_requirements",
        "work_preparation",
        "work_focused_interview",
        "no_work_related_requirements",
    }


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("1851.85"), "£1,851.85"),
        (D(0), "£0.00"),
        (D("0.005"), "£0.01"),
        (D("0.0049"), "£0.00"),
        (Fraction(1, 200), "£0.01"),
        (Fraction(1851845, 1000), "£1,851.85"),
        (Fraction(95238, 100), "£952.38"),
        (Fraction(19166680, 12000), "£1,597.22"),
        (D("1234567.891"), "£1,234,567.89"),
        (D("-5"), "-£5.00"),
        (Fraction(-1, 200), "-£0.01"),
        (7, "£7.00"),
    ],
)
def test_format_money(amount: Decimal | Fraction | int, text: str) -> None:
    assert format_money(amount) == text


def test_thresholds_as_money_keys_and_rounding() -> None:
    t = Thresholds(Fraction(1, 200), None, Fraction(5, 3), Fraction(0), None)
    assert t.as_money() == {
        "aet_individual": D("0.01"),
        "aet_couple": None,
        "cet_individual": D("1.67"),
        "cet_partner": D("0.00"),
        "cet_household": None,
    }
    assert list(t.as_money()) == [
        "aet_individual",
        "aet_couple",
        "cet_individual",
        "cet_partner",
        "cet_household",
    ]


def test_thresholds_are_exact_not_rounded() -> None:
    result = run(person(0), period_start=date(2026, 6, 10))
    # 18 × 12.71 × 52 / 12 is exactly 991.38; 35 × 12.71 × 52 / 12 is 1927.6333…
    assert result.thresholds.aet_individual == Fraction("991.38")
    assert result.thresholds.cet_individual == Fraction(1271, 100) * 35 * 52 / 12
    assert result.thresholds.cet_individual != Fraction("1927.63")
