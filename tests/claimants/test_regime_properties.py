"""Property-based tests (hypothesis) of the pure regime engine. No database or Django."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from claimants.regimes.engine import (
    Assessment,
    ConditionalityGroup,
    Person,
    Regime,
    assess,
    assessment_period_end,
    parameters_in_force,
)
from claimants.regimes.reference_rates import AET_ROWS, WAGE_ROWS

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

period_starts = st.dates(min_value=date(2022, 4, 1), max_value=date(2027, 12, 31))
pounds = st.integers(min_value=0, max_value=800_000).map(lambda pence: Decimal(pence) / 100)
extra_pounds = st.integers(min_value=1, max_value=400_000).map(lambda pence: Decimal(pence) / 100)
quarter_hours = st.integers(min_value=0, max_value=168 * 4).map(lambda q: Decimal(q) / 4)
groups = st.sampled_from(list(ConditionalityGroup))


@st.composite
def people(draw: st.DrawFn, period_start: date, *, eligible: bool | None = True) -> Person:
    end = assessment_period_end(period_start)
    # 16 to 80 on the AP's last day: 16 × 366 days is always at least 16 years.
    dob = end - timedelta(days=draw(st.integers(min_value=16 * 366, max_value=80 * 365)))
    return Person(
        date_of_birth=dob,
        employed_earnings=draw(pounds),
        self_employed_earnings=draw(st.one_of(st.just(Decimal(0)), pounds)),
        expected_hours=draw(st.one_of(st.just(Decimal(35)), quarter_hours)),
        conditionality_group=draw(groups),
        apprentice=draw(st.booleans()),
        minimum_income_floor=draw(st.booleans()),
        eligible_for_uc=draw(st.booleans()) if eligible is None else eligible,
    )


@st.composite
def households(draw: st.DrawFn) -> tuple[date, Person, Person | None]:
    start = draw(period_starts)
    claimant = draw(people(start))
    partner = draw(st.one_of(st.none(), people(start, eligible=None)))
    return start, claimant, partner


def run(start: date, claimant: Person, partner: Person | None) -> Assessment:
    return assess(
        period_start=start,
        claimant=claimant,
        partner=partner,
        parameters=parameters_in_force(start, AET_ROWS, WAGE_ROWS),
    )


def rank(regime: Regime | None) -> int:
    assert regime is not None
    return regime.conditionality_rank


@PROPERTY_SETTINGS
@given(households())
def test_assess_never_raises_for_valid_facts_and_always_explains(
    household: tuple[date, Person, Person | None],
) -> None:
    start, claimant, partner = household
    result = run(start, claimant, partner)
    assert isinstance(result.regime, Regime)
    has_partner_regime = partner is not None and partner.eligible_for_uc
    assert (result.partner_regime is not None) == has_partner_regime
    assert result.explanation and all(isinstance(s, str) and s.strip() for s in result.explanation)
    assert result.regime.label in " ".join(result.explanation)
    t = result.thresholds
    assert (t.aet_couple is None) == (t.cet_household is None) == (partner is None)
    assert (t.cet_partner is None) == (not has_partner_regime)
    if has_partner_regime:
        assert t.cet_household == t.cet_individual + t.cet_partner


@PROPERTY_SETTINGS
@given(households(), extra_pounds, st.booleans())
def test_more_employed_earnings_never_make_anyone_more_conditional(
    household: tuple[date, Person, Person | None], extra: Decimal, to_partner: bool
) -> None:
    start, claimant, partner = household
    before = run(start, claimant, partner)
    if to_partner and partner is not None:
        partner = replace(partner, employed_earnings=partner.employed_earnings + extra)
    else:
        claimant = replace(claimant, employed_earnings=claimant.employed_earnings + extra)
    after = run(start, claimant, partner)
    assert rank(after.regime) <= rank(before.regime)
    if before.partner_regime is not None:
        assert rank(after.partner_regime) <= rank(before.partner_regime)


@PROPERTY_SETTINGS
@given(households(), extra_pounds)
def test_more_self_employed_earnings_never_make_anyone_more_conditional(
    household: tuple[date, Person, Person | None], extra: Decimal
) -> None:
    start, claimant, partner = household
    before = run(start, claimant, partner)
    after = run(
        start, replace(claimant, self_employed_earnings=claimant.self_employed_earnings + extra), partner
    )
    assert rank(after.regime) <= rank(before.regime)
    if before.partner_regime is not None:
        assert rank(after.partner_regime) <= rank(before.partner_regime)


@PROPERTY_SETTINGS
@given(households(), quarter_hours, quarter_hours)
def test_thresholds_are_monotone_non_decreasing_in_hours(
    household: tuple[date, Person, Person | None], hours_a: Decimal, hours_b: Decimal
) -> None:
    start, claimant, partner = household
    fewer, more = sorted((hours_a, hours_b))
    low = run(start, replace(claimant, expected_hours=fewer), partner).thresholds
    high = run(start, replace(claimant, expected_hours=more), partner).thresholds
    assert low.cet_individual <= high.cet_individual
    if low.cet_household is not None:
        assert high.cet_household is not None and low.cet_household <= high.cet_household
    assert low.aet_individual == high.aet_individual  # hours never move the AET


def _lowest_whole_pence_at_or_above(value: Fraction) -> Decimal:
    return Decimal(math.ceil(value * 100)) / 100


@PROPERTY_SETTINGS
@given(period_starts, st.data())
def test_the_cet_boundary_is_inclusive_and_exact(start: date, data: st.DataObject) -> None:
    claimant = data.draw(people(start))
    claimant = replace(
        claimant,
        self_employed_earnings=Decimal(0),
        minimum_income_floor=False,
        conditionality_group=data.draw(
            st.sampled_from(
                [
                    ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS,
                    ConditionalityGroup.WORK_PREPARATION,
                    ConditionalityGroup.WORK_FOCUSED_INTERVIEW,
                ]
            )
        ),
    )
    cet = run(start, claimant, None).thresholds.cet_individual
    assume(cet > 0)
    at = _lowest_whole_pence_at_or_above(cet)  # == cet whenever cet is a whole number of pence
    assert run(start, replace(claimant, employed_earnings=at), None).regime is Regime.WORKING_ENOUGH
    below = run(start, replace(claimant, employed_earnings=at - Decimal("0.01")), None).regime
    assert below is not Regime.WORKING_ENOUGH
    if (cet * 100).denominator == 1:
        assert Fraction(at) == cet


@PROPERTY_SETTINGS
@given(period_starts, st.integers(min_value=16, max_value=80), st.integers(min_value=1, max_value=56))
def test_the_aet_boundary_is_inclusive_when_representable(start: date, age: int, third_hours: int) -> None:
    # Whole multiples of 3 hours make every CET a whole number of pence (rate pence × hours × 52 / 12).
    end = assessment_period_end(start)
    claimant = Person(date(end.year - age, 1, 1), Decimal(0), expected_hours=Decimal(3 * third_hours))
    result = run(start, claimant, None)
    aet, cet = result.thresholds.aet_individual, result.thresholds.cet_individual
    assert (cet * 100).denominator == 1
    assume((aet * 100).denominator == 1)
    exact = Decimal(aet.numerator) / Decimal(aet.denominator)
    at = run(start, replace(claimant, employed_earnings=exact), None).regime
    below = run(start, replace(claimant, employed_earnings=exact - Decimal("0.01")), None).regime
    if aet < cet:
        assert (at, below) == (Regime.LIGHT_TOUCH, Regime.INTENSIVE_WORK_SEARCH)
    elif aet - Fraction(1, 100) < cet:
        assert (at, below) == (Regime.WORKING_ENOUGH, Regime.INTENSIVE_WORK_SEARCH)
    else:
        assert at is below is Regime.WORKING_ENOUGH  # the CET (tested first) already decides


def _independently_rounded(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    context = Context(prec=80)
    exact = context.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@PROPERTY_SETTINGS
@given(households())
def test_displayed_thresholds_are_the_exact_values_rounded_half_up(
    household: tuple[date, Person, Person | None],
) -> None:
    thresholds = run(*household).thresholds
    shown = thresholds.as_money()
    for name in ("aet_individual", "aet_couple", "cet_individual", "cet_partner", "cet_household"):
        assert shown[name] == _independently_rounded(getattr(thresholds, name)), name
        if shown[name] is not None:
            assert shown[name].as_tuple().exponent == -2


@PROPERTY_SETTINGS
@given(period_starts, st.data())
def test_swapping_two_eligible_partners_swaps_their_regimes(start: date, data: st.DataObject) -> None:
    a = data.draw(people(start))
    b = data.draw(people(start))
    forward = run(start, a, b)
    backward = run(start, b, a)
    assert (forward.regime, forward.partner_regime) == (backward.partner_regime, backward.regime)
    assert forward.thresholds.cet_household == backward.thresholds.cet_household


@PROPERTY_SETTINGS
@given(households())
def test_cet_is_tested_first_and_nwrr_is_never_made_more_conditional(
    household: tuple[date, Person, Person | None],
) -> None:
    start, claimant, partner = household
    result = run(start, claimant, partner)
    earned = claimant.employed_earnings + claimant.self_employed_earnings
    if claimant.conditionality_group is ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS:
        assert result.regime is Regime.NO_WORK_RELATED_REQUIREMENTS
    elif earned >= result.thresholds.cet_individual or claimant.minimum_income_floor:
        assert result.regime is Regime.WORKING_ENOUGH
    elif claimant.conditionality_group is not ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS:
        assert result.regime in (Regime.WORKING_ENOUGH, Regime(claimant.conditionality_group.value))
    else:
        assert result.regime in (Regime.WORKING_ENOUGH, Regime.LIGHT_TOUCH, Regime.INTENSIVE_WORK_SEARCH)
