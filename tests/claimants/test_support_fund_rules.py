"""The Flexible Support Fund's pure rules (issue #16), table-tested: eligibility from the rule rows, the status
transitions, financial years, and the outcome six months on (rise in earnings or move up a regime)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimants.support_fund.rules import (
    MAX_AWARD,
    TRANSITIONS,
    Eligible,
    Outcome,
    Rule,
    Status,
    award_outcome,
    check_eligibility,
    financial_year,
    financial_year_bounds,
    financial_year_label,
    period_start_containing,
    period_starts,
    transition_problem,
)

D = Decimal
ON = dt.date(2026, 5, 20)
RULES = [
    Rule("intensive_work_search", True, maximum=D("1500")),
    Rule("intensive_work_search", True, purpose="travel", maximum=D("300")),
    Rule("light_touch", True),
    Rule(
        "working_enough",
        False,
        reason="Working Enough claimants are not eligible for FSF under current guidance",
    ),
    Rule("working_enough", True, purpose="training", maximum=D("800")),
    Rule("no_work_related_requirements", False),
]


@pytest.mark.parametrize(
    ("regime", "purpose", "amount", "status", "words"),
    [
        (
            "intensive_work_search",
            "training",
            D("1200"),
            Eligible.YES,
            "Eligible: Intensive Work Search regime on 20 May 2026",
        ),
        ("intensive_work_search", "training", D("1500"), Eligible.YES, "Eligible"),
        (
            "intensive_work_search",
            "training",
            D("1500.01"),
            Eligible.NO,
            "The most that can be awarded for training or a course to a claimant in the Intensive Work Search regime is £1,500.00",
        ),
        # The purpose's own rule wins over the regime's rule for every purpose.
        ("intensive_work_search", "travel", D("300.01"), Eligible.NO, "travel to work or training"),
        ("intensive_work_search", "travel", D("300"), Eligible.YES, "Eligible"),
        ("light_touch", "tools", D("4999"), Eligible.YES, "Light Touch"),
        (
            "working_enough",
            "travel",
            D("10"),
            Eligible.NO,
            "Working Enough claimants are not eligible for FSF under current guidance",
        ),
        ("working_enough", "training", D("500"), Eligible.YES, "Working Enough"),
        (
            "no_work_related_requirements",
            "tools",
            D("10"),
            Eligible.NO,
            "Claimants in the No work-related requirements regime are not eligible",
        ),
        # Not known is a value: no regime decided, or no rule for the regime.
        (
            None,
            "training",
            D("10"),
            Eligible.UNKNOWN,
            "Eligibility not known: no regime decided for that date (20 May 2026)",
        ),
        (
            "work_preparation",
            "training",
            D("10"),
            Eligible.UNKNOWN,
            "there is no rule for the Preparing for work regime",
        ),
    ],
)
def test_eligibility_from_the_rule_rows(regime, purpose, amount, status, words):
    result = check_eligibility(regime=regime, purpose=purpose, amount=amount, rules=RULES, on=ON)
    assert result.status == status
    assert words in result.reason
    assert result.regime == regime


def test_a_refusal_names_the_box_it_is_about():
    over = check_eligibility(
        regime="intensive_work_search", purpose="training", amount=D("2000"), rules=RULES, on=ON
    )
    assert (over.field, over.maximum) == ("amount", D("1500"))
    barred = check_eligibility(regime="working_enough", purpose="tools", amount=D("1"), rules=RULES, on=ON)
    assert barred.field == "purpose"
    unknown = check_eligibility(regime=None, purpose="tools", amount=D("1"), rules=RULES, on=ON)
    assert not unknown.refused


@pytest.mark.parametrize(
    ("current", "to", "allowed"),
    [
        (Status.REQUESTED, Status.APPROVED, True),
        (Status.REQUESTED, Status.REFUSED, True),
        (Status.REQUESTED, Status.WITHDRAWN, True),
        (Status.REQUESTED, Status.PAID, False),
        (Status.APPROVED, Status.PAID, True),
        (Status.APPROVED, Status.WITHDRAWN, False),
        (Status.APPROVED, Status.REFUSED, False),
        (Status.REFUSED, Status.APPROVED, False),
        (Status.WITHDRAWN, Status.APPROVED, False),
        (Status.PAID, Status.APPROVED, False),
        (Status.PAID, Status.PAID, False),
    ],
)
def test_statuses_move_only_as_the_table_allows(current, to, allowed):
    assert (transition_problem(current, to) is None) == allowed
    assert (to in TRANSITIONS[current]) == allowed


def test_a_refused_move_says_why():
    assert transition_problem("paid", "approved") == "This award is paid, so it cannot be approved now."
    assert transition_problem("approved", "approved") == "This award is already approved, not yet paid."


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2026, 4, 1), 2026),
        (dt.date(2026, 3, 31), 2025),
        (dt.date(2027, 3, 31), 2026),
        (dt.date(2026, 12, 31), 2026),
        (dt.date(2027, 1, 1), 2026),
    ],
)
def test_financial_years_run_april_to_march(day, year):
    assert financial_year(day) == year
    first, last = financial_year_bounds(year)
    assert first <= day <= last
    assert financial_year_label(year) == f"April {year} to March {year + 1}"


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(1, 31))
def test_the_period_containing_a_day_starts_on_or_before_it_and_the_next_starts_after(day, anchor):
    start = period_start_containing(day, anchor)
    following = period_starts(start, anchor, range(1, 2))[0]
    assert start <= day < following
    assert (following - start).days in range(28, 32)


def test_clamped_periods_follow_the_claims_day():
    # Periods anchored on the 31st: 31 Jan, 28 Feb, 31 Mar, 30 Apr.
    assert period_start_containing(dt.date(2026, 3, 15), 31) == dt.date(2026, 2, 28)
    assert period_starts(dt.date(2026, 1, 31), 31, range(0, 4)) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]


# --- Outcome six months on ----------------------------------------------------------------------------------

AWARDED = dt.date(2026, 3, 20)  # in the period starting 10 March (claim day 10)
BEFORE = [dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)]
AFTER = [dt.date(2026, 4, 10), dt.date(2026, 5, 10), dt.date(2026, 6, 10)]
KNOWN = dt.date(2026, 9, 20)


def earnings(before, after):
    return {**dict(zip(BEFORE, map(D, before), strict=True)), **dict(zip(AFTER, map(D, after), strict=True))}


def outcome(today=KNOWN, pay=None, regimes=None):
    return award_outcome(
        awarded_on=AWARDED,
        today=today,
        anchor_day=10,
        earnings=pay if pay is not None else earnings([800, 800, 800], [800, 800, 800]),
        regimes=regimes or {},
    )


def test_before_six_months_the_outcome_is_not_known_yet_never_no():
    rising = earnings([500, 500, 500], [1500, 1500, 1500])
    early = outcome(today=KNOWN - dt.timedelta(days=1), pay=rising)
    assert early.outcome == Outcome.NOT_KNOWN_YET
    assert early.known_on == KNOWN
    assert "20 September 2026" in early.lines[0]
    assert outcome(today=KNOWN, pay=rising).outcome == Outcome.PROGRESSED


@pytest.mark.parametrize(
    ("before", "after", "result"),
    [
        ([800, 800, 800], [800, 800, 801], Outcome.PROGRESSED),  # the mean is higher, by 33p
        ([800, 800, 800], [800, 800, 800], Outcome.NO_PROGRESS),  # equal is not a rise
        ([900, 700, 800], [1200, 600, 599], Outcome.NO_PROGRESS),  # one good month is not a higher mean
        ([0, 0, 0], [10, 0, 0], Outcome.PROGRESSED),
    ],
)
def test_a_rise_is_the_mean_of_the_3_periods_after_above_the_3_up_to_the_award(before, after, result):
    found = outcome(pay=earnings(before, after))
    assert found.outcome == result
    assert found.before == (sum(map(D, before)) / 3).quantize(D("0.01"))


def test_missing_earnings_make_the_rise_not_known_not_zero():
    pay = earnings([800, 800, 800], [900, 900, 900])
    del pay[AFTER[1]]
    found = outcome(pay=pay)
    assert found.outcome == Outcome.NOT_KNOWN
    assert "10 May 2026" in found.lines[0]


def test_a_move_up_a_regime_within_6_months_counts_even_without_earnings():
    pay = earnings([800, 800, 800], [900, 900, 900])
    del pay[BEFORE[0]]
    regimes = {BEFORE[2]: "intensive_work_search", dt.date(2026, 8, 10): "light_touch"}
    found = outcome(pay=pay, regimes=regimes)
    assert found.outcome == Outcome.PROGRESSED
    assert found.moved_to == "light_touch"
    assert (
        "Moved up from Intensive Work Search to Light Touch in the assessment period starting 10 August 2026."
        in found.lines
    )


def test_moves_that_are_not_up_or_come_too_late_do_not_count():
    flat = earnings([800, 800, 800], [700, 700, 700])
    down = {BEFORE[2]: "light_touch", AFTER[0]: "intensive_work_search"}
    assert outcome(pay=flat, regimes=down).outcome == Outcome.NO_PROGRESS
    sideways = {BEFORE[2]: "light_touch", AFTER[0]: "work_preparation"}
    assert outcome(pay=flat, regimes=sideways).outcome == Outcome.NO_PROGRESS
    late = {BEFORE[2]: "intensive_work_search", dt.date(2026, 10, 10): "working_enough"}
    assert outcome(pay=flat, regimes=late, today=dt.date(2026, 12, 1)).outcome == Outcome.NO_PROGRESS
    unknown_start = {AFTER[0]: "working_enough"}  # no regime decided for the period of the award
    found = outcome(pay=flat, regimes=unknown_start)
    assert found.outcome == Outcome.NO_PROGRESS
    assert "a move up cannot be judged" in found.lines[-1]


def test_the_sanity_bound_is_above_every_seeded_maximum():
    assert max(r.maximum or D(0) for r in RULES) < MAX_AWARD
