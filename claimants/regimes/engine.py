"""The Universal Credit labour-market regime engine.

Pure domain rules: stdlib only, no Django, no I/O. This module is the one place the law lives; the rulebook is
``shared/domain/uc-regimes.md`` and section numbers below (§2, §3 …) refer to it.

Arithmetic is exact throughout: money and hours are converted to :class:`fractions.Fraction` and compared without
rounding (§4), so ``earnings >= hours × rate × 52 / 12`` is decided exactly as
``earnings_pence × 12 >= hours × rate_pence × 52``. Rounding happens only for display (``format_money``,
``Thresholds.as_money``).

Decisions taken where the rulebook is silent are marked **[Decision]** next to the code that implements them:

* Earnings must be whole pence (Decimal or int, never float) and not negative; expected hours 0–168 (0 gives a
  CET of £0, so any earnings are Working Enough — what reg 90 literally says); ages under 16 are invalid.
* A person in No work-related requirements reports a CET of £0, the amount they add to the household sum.
* The Minimum Income Floor makes that person Working Enough; the household test uses actual earnings (counting
  the deemed floor could never change the other partner's outcome).
* Apprentices use the apprentice rate whatever their age; the 16-hour rule for Preparing/Planning for work
  applies to them too; hours are then capped at 30.
* Light Touch ranks as more conditional than Preparing for work (it is the all-requirements group in law).
* Someone born on 29 February is a year older on 1 March in non-leap years.
* Without an ``anchor_day`` an AP is assumed to be anchored on its own start day.
* The claimant must be eligible for UC; only a partner can be ineligible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import TypeVar

__all__ = [
    "AetParameters",
    "AgeBandRate",
    "Assessment",
    "Cause",
    "ConditionalityGroup",
    "InvalidFacts",
    "Limb",
    "NoThresholdsInForce",
    "Parameters",
    "Person",
    "Regime",
    "Thresholds",
    "WageRates",
    "age_on",
    "assess",
    "assessment_period_end",
    "format_date",
    "format_money",
    "format_month",
    "monthly_amount",
    "next_period_start",
    "parameters_in_force",
    "quantize_money",
]

WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
MINIMUM_AGE = 16
HOURS_IN_A_WEEK = Decimal(168)
# reg 90: claimants who would otherwise be in Preparing for work / Planning for work have a 16-hour CET.
SIXTEEN_HOURS = Decimal(16)
# reg 90 / §2: the household figure for a partner who is not eligible for UC uses 35 hours at the adult NLW.
INELIGIBLE_PARTNER_HOURS = Decimal(35)
# §2 [Decision]: apprentices' hours are capped at 30.
APPRENTICE_HOURS_CAP = Decimal(30)

_PENNY = Decimal("0.01")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --------------------------------------------------------------------------------------------------------------
# Enumerations
# --------------------------------------------------------------------------------------------------------------


class Regime(StrEnum):
    """A claimant's labour-market regime (§1)."""

    INTENSIVE_WORK_SEARCH = "intensive_work_search"
    LIGHT_TOUCH = "light_touch"
    WORKING_ENOUGH = "working_enough"
    WORK_PREPARATION = "work_preparation"
    WORK_FOCUSED_INTERVIEW = "work_focused_interview"
    NO_WORK_RELATED_REQUIREMENTS = "no_work_related_requirements"

    @property
    def label(self) -> str:
        """The name a work coach uses."""
        return _REGIME_LABELS[self]

    @property
    def conditionality_rank(self) -> int:
        """Higher = more conditional. Used for "least conditional wins" and for monotonicity checks."""
        return _REGIME_RANKS[self]

    @property
    def is_earnings_regime(self) -> bool:
        """True for the three regimes decided by earnings alone (§1)."""
        return self in (Regime.INTENSIVE_WORK_SEARCH, Regime.LIGHT_TOUCH, Regime.WORKING_ENOUGH)


_REGIME_LABELS: dict[Regime, str] = {
    Regime.INTENSIVE_WORK_SEARCH: "Intensive Work Search",
    Regime.LIGHT_TOUCH: "Light Touch",
    Regime.WORKING_ENOUGH: "Working Enough",
    Regime.WORK_PREPARATION: "Preparing for work",
    Regime.WORK_FOCUSED_INTERVIEW: "Planning for work",
    Regime.NO_WORK_RELATED_REQUIREMENTS: "No work-related requirements",
}

# [Decision] Light Touch ranks above Preparing for work: in law it is the all-work-related-requirements group
# (work search is switched off administratively), so it is more conditional than s.21. No work-related
# requirements ranks below Working Enough so that "least conditional wins" keeps such a claimant in that group
# however much they earn (§1).
_REGIME_RANKS: dict[Regime, int] = {
    Regime.NO_WORK_RELATED_REQUIREMENTS: 0,
    Regime.WORKING_ENOUGH: 1,
    Regime.WORK_FOCUSED_INTERVIEW: 2,
    Regime.WORK_PREPARATION: 3,
    Regime.LIGHT_TOUCH: 4,
    Regime.INTENSIVE_WORK_SEARCH: 5,
}


class ConditionalityGroup(StrEnum):
    """The conditionality group set by the claimant's circumstances (before earnings are looked at)."""

    ALL_WORK_RELATED_REQUIREMENTS = "all_work_related_requirements"
    WORK_PREPARATION = "work_preparation"
    WORK_FOCUSED_INTERVIEW = "work_focused_interview"
    NO_WORK_RELATED_REQUIREMENTS = "no_work_related_requirements"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS: dict[ConditionalityGroup, str] = {
    ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS: "All work-related requirements",
    ConditionalityGroup.WORK_PREPARATION: "Preparing for work",
    ConditionalityGroup.WORK_FOCUSED_INTERVIEW: "Planning for work",
    ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS: "No work-related requirements",
}

_SIXTEEN_HOUR_GROUPS = (ConditionalityGroup.WORK_PREPARATION, ConditionalityGroup.WORK_FOCUSED_INTERVIEW)


class Cause(StrEnum):
    """Why a recorded regime changed (§3)."""

    EARNINGS = "earnings"
    THRESHOLD = "threshold"
    CIRCUMSTANCE = "circumstance"
    EASEMENT = "easement"


class Limb(StrEnum):
    """Which test decided a person's regime (kept on the assessment so cycling can name the threshold crossed)."""

    CONDITIONALITY_GROUP = "conditionality_group"
    MINIMUM_INCOME_FLOOR = "minimum_income_floor"
    CET_INDIVIDUAL = "cet_individual"
    CET_HOUSEHOLD = "cet_household"
    AET_INDIVIDUAL = "aet_individual"
    AET_COUPLE = "aet_couple"
    BELOW_THRESHOLDS = "below_thresholds"


# --------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------


class InvalidFacts(ValueError):
    """The facts given to the engine cannot describe a real claim.

    ``field`` names the offending input (e.g. ``"claimant.employed_earnings"``) so an API can return a field error;
    the message is plain English suitable for showing to a work coach.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NoThresholdsInForce(ValueError):
    """No AET row or no wage-rate row is in force on the date asked about."""


# --------------------------------------------------------------------------------------------------------------
# Parameters (effective-dated reference data, §2)
# --------------------------------------------------------------------------------------------------------------


def _require_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite() or result < 0:
        raise ValueError(f"{what} must be a finite amount of at least 0")
    return result


@dataclass(frozen=True)
class AgeBandRate:
    """One hourly rate and the ages it applies to; ``max_age`` None means "and over" (the adult NLW)."""

    min_age: int
    max_age: int | None
    rate: Decimal

    def __post_init__(self) -> None:
        _require_decimal(self.rate, "rate")
        if self.max_age is not None and self.max_age < self.min_age:
            raise ValueError(f"age band {self.min_age}-{self.max_age} ends before it starts")

    def covers(self, age: int) -> bool:
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)

    @property
    def description(self) -> str:
        """E.g. "the adult National Living Wage (age 21 and over)" or "the age 18–20 rate"."""
        if self.max_age is None:
            return f"the adult National Living Wage (age {self.min_age} and over)"
        return f"the age {self.min_age}–{self.max_age} rate"


@dataclass(frozen=True)
class WageRates:
    """The National Minimum / Living Wage rates in force from ``effective_from``."""

    effective_from: date
    bands: tuple[AgeBandRate, ...]
    apprentice_rate: Decimal

    def __post_init__(self) -> None:
        _require_decimal(self.apprentice_rate, "apprentice_rate")
        ordered = sorted(self.bands, key=lambda band: band.min_age)
        if not ordered:
            raise ValueError("a wage-rate row needs at least one age band")
        if ordered[-1].max_age is not None or any(band.max_age is None for band in ordered[:-1]):
            raise ValueError("exactly one age band, the oldest, must be open-ended (the adult rate)")
        # Bands must tile the ages with no gap or overlap, or some age would have no rate (or two).
        for lower, upper in pairwise(ordered):
            assert lower.max_age is not None  # checked above
            if upper.min_age != lower.max_age + 1:
                raise ValueError(
                    f"age bands leave a gap or overlap between {lower.max_age} and {upper.min_age}"
                )

    @property
    def adult_band(self) -> AgeBandRate:
        return next(band for band in self.bands if band.max_age is None)

    @property
    def adult_rate(self) -> Decimal:
        return self.adult_band.rate

    def band_for_age(self, age: int) -> AgeBandRate:
        for band in self.bands:
            if band.covers(age):
                return band
        raise ValueError(f"no wage rate from {self.effective_from} covers age {age}")

    def rate_for_age(self, age: int) -> Decimal:
        return self.band_for_age(age).rate


@dataclass(frozen=True)
class AetParameters:
    """An AET row: either cash figures (basis "cash") or hours × this row's own hourly rate (basis "hours").

    The AET has its own effective date and hourly rate, independent of the wage table: between 1 and 6 April
    2025 the CET already uses £12.21 while the AET is still 18 h × £11.44.
    """

    effective_from: date
    single_cash: Decimal | None = None
    couple_cash: Decimal | None = None
    single_hours: Decimal | None = None
    couple_hours: Decimal | None = None
    hourly_rate: Decimal | None = None

    def __post_init__(self) -> None:
        cash = (self.single_cash, self.couple_cash)
        hours = (self.single_hours, self.couple_hours, self.hourly_rate)
        if all(v is not None for v in cash) and all(v is None for v in hours):
            for name in ("single_cash", "couple_cash"):
                _require_decimal(getattr(self, name), name)
        elif all(v is not None for v in hours) and all(v is None for v in cash):
            for name in ("single_hours", "couple_hours", "hourly_rate"):
                _require_decimal(getattr(self, name), name)
        else:
            raise ValueError(
                "an AET row needs either both cash figures or all of single_hours, couple_hours and hourly_rate"
            )

    @property
    def basis(self) -> str:
        """ "cash" or "hours"."""
        return "cash" if self.single_cash is not None else "hours"

    @property
    def single_threshold(self) -> Fraction:
        if self.single_cash is not None:
            return Fraction(self.single_cash)
        assert self.single_hours is not None and self.hourly_rate is not None
        return monthly_amount(self.hourly_rate, self.single_hours)

    @property
    def couple_threshold(self) -> Fraction:
        if self.couple_cash is not None:
            return Fraction(self.couple_cash)
        assert self.couple_hours is not None and self.hourly_rate is not None
        return monthly_amount(self.hourly_rate, self.couple_hours)


@dataclass(frozen=True)
class Parameters:
    """The AET row and wage-rate row in force for one assessment period."""

    aet: AetParameters
    wages: WageRates


_Row = TypeVar("_Row", AetParameters, WageRates)


def _latest_in_force(on: date, rows: Sequence[_Row], what: str) -> _Row:
    in_force = [row for row in rows if row.effective_from <= on]
    if not in_force:
        raise NoThresholdsInForce(f"No {what} is in force on {format_date(on)}.")
    latest = max(row.effective_from for row in in_force)
    matching = [row for row in in_force if row.effective_from == latest]
    if len(matching) > 1 and any(row != matching[0] for row in matching):
        # Two different rows for one date is a data error; picking either silently would be a guess.
        raise ValueError(f"more than one {what} takes effect on {latest.isoformat()}")
    return matching[0]


def parameters_in_force(
    on: date, aet_rows: Sequence[AetParameters], wage_rows: Sequence[WageRates]
) -> Parameters:
    """The rows in force on ``on``: for each table, the row with the latest ``effective_from`` on or before it.

    §3 [Decision]: call this with the assessment period's first day; those parameters apply to the whole AP.
    Raises :class:`NoThresholdsInForce` when either table has no row in force (e.g. before April 2022 for the AET).
    """
    return Parameters(
        aet=_latest_in_force(on, aet_rows, "administrative earnings threshold"),
        wages=_latest_in_force(on, wage_rows, "minimum wage rate"),
    )


# --------------------------------------------------------------------------------------------------------------
# Facts and results
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One member of the benefit unit, as at one assessment period.

    Earnings are the gross amounts received in the AP (§3). Validation happens in :func:`assess`, so that the
    error can name whether it is the claimant's or the partner's field.
    """

    date_of_birth: date
    employed_earnings: Decimal
    self_employed_earnings: Decimal = Decimal(0)
    expected_hours: Decimal = Decimal(35)
    conditionality_group: ConditionalityGroup = ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS
    apprentice: bool = False
    minimum_income_floor: bool = False
    eligible_for_uc: bool = True


@dataclass(frozen=True)
class Thresholds:
    """The exact thresholds used for an assessment (monthly amounts).

    ``aet_couple`` and ``cet_household`` are None for a single claimant; ``cet_partner`` is None for a single
    claimant and for a partner who is not eligible for UC (who has no threshold of their own; the household
    figure then includes 35 h at the adult NLW for them). [Decision] A person in No work-related requirements has
    a CET of 0 here, the amount they contribute to the household sum (§2), so that for an eligible partner
    ``cet_household == cet_individual + cet_partner`` always holds.
    """

    aet_individual: Fraction
    aet_couple: Fraction | None
    cet_individual: Fraction
    cet_partner: Fraction | None
    cet_household: Fraction | None

    def as_money(self) -> dict[str, Decimal | None]:
        """Display values: each field rounded half-up to the penny. Never compare against these (§4)."""
        return {
            "aet_individual": quantize_money(self.aet_individual),
            "aet_couple": None if self.aet_couple is None else quantize_money(self.aet_couple),
            "cet_individual": quantize_money(self.cet_individual),
            "cet_partner": None if self.cet_partner is None else quantize_money(self.cet_partner),
            "cet_household": None if self.cet_household is None else quantize_money(self.cet_household),
        }


@dataclass(frozen=True)
class Assessment:
    """The outcome for one assessment period.

    ``age`` is the claimant's age on the AP's last day (§3). ``decided_by`` / ``partner_decided_by`` name the limb
    that decided each regime; ``partner_age`` is the partner's age on the same day.
    """

    regime: Regime
    partner_regime: Regime | None
    thresholds: Thresholds
    explanation: tuple[str, ...]
    period_start: date
    period_end: date
    age: int
    decided_by: Limb = Limb.BELOW_THRESHOLDS
    partner_decided_by: Limb | None = None
    partner_age: int | None = None


# --------------------------------------------------------------------------------------------------------------
# Dates and money
# --------------------------------------------------------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def next_period_start(start: date, anchor_day: int | None = None) -> date:
    """The first day of the AP after the one starting on ``start``.

    APs start on the same day each month; where that day (29–31) does not exist, on the month's last day.
    ``anchor_day`` is the claim's AP day when it differs from ``start.day`` — only possible when ``start`` is
    the last day of a short month (an AP anchored on the 31st starting on 28 February is followed by one starting
    on 31 March). [Decision] Without it, ``start.day`` is taken as the anchor.
    """
    day = start.day if anchor_day is None else anchor_day
    if not 1 <= day <= 31:
        raise ValueError("anchor_day must be between 1 and 31")
    if min(day, _days_in_month(start.year, start.month)) != start.day:
        raise ValueError(f"an AP anchored on day {day} cannot start on {start.isoformat()}")
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return date(year, month, min(day, _days_in_month(year, month)))


def assessment_period_end(start: date, anchor_day: int | None = None) -> date:
    """The last day of the AP starting on ``start``: the day before the next AP starts.

    E.g. 31 January 2025 → 27 February 2025 (the next AP starts on 28 February, the month's last day);
    30 January 2024 → 28 February 2024 (the next starts on 29 February in a leap year).
    """
    return next_period_start(start, anchor_day) - timedelta(days=1)


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on ``on``.

    [Decision] Someone born on 29 February reaches a new age on 1 March in non-leap years (the usual UK
    reading); comparing (month, day) tuples gives exactly that.
    """
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def _to_fraction(value: Decimal | Fraction | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _round_half_up_pence(value: Fraction) -> int:
    """Whole pence, halves rounded away from zero (Decimal's ROUND_HALF_UP), in integer arithmetic."""
    numerator, denominator = abs(value.numerator), value.denominator
    rounded = (numerator * 200 + denominator) // (2 * denominator)  # floor(|x| × 100 + 1/2)
    return -rounded if value < 0 else rounded


def quantize_money(value: Decimal | Fraction | int) -> Decimal:
    """``value`` rounded half-up to the penny, as a Decimal with two places."""
    if isinstance(value, Decimal):
        return value.quantize(_PENNY, rounding=ROUND_HALF_UP)
    return (Decimal(_round_half_up_pence(_to_fraction(value))) / 100).quantize(_PENNY)


def format_money(x: Decimal | Fraction | int) -> str:
    """E.g. ``£1,851.85`` (2 dp, half-up); negative amounts as ``-£5.00``."""
    amount = quantize_money(x)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def format_date(d: date) -> str:
    """E.g. ``9 July 2025``."""
    return f"{d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def format_month(d: date) -> str:
    """E.g. ``July 2025``."""
    return f"{_MONTH_NAMES[d.month - 1]} {d.year}"


def _format_hours(hours: Decimal) -> str:
    text = format(hours.normalize(), "f")
    return text


def monthly_amount(hourly_rate: Decimal | Fraction, hours: Decimal | Fraction) -> Fraction:
    """hours a week × hourly rate × 52 / 12, exactly."""
    return _to_fraction(hourly_rate) * _to_fraction(hours) * Fraction(WEEKS_PER_YEAR, MONTHS_PER_YEAR)


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------


def _check_money(value: object, field: str, who: str, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidFacts(field, f"The {who}'s {what} must be an amount in pounds and pence.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidFacts(field, f"The {who}'s {what} must be an amount in pounds and pence.")
    exact = Fraction(value)
    if exact < 0:
        raise InvalidFacts(field, f"The {who}'s {what} cannot be negative.")
    if (exact * 100).denominator != 1:
        raise InvalidFacts(field, f"The {who}'s {what} must be a whole number of pence.")
    return exact


def _check_person(person: object, role: str, period_end: date) -> int:
    """Validate one person's facts; returns their age on the AP's last day."""
    if not isinstance(person, Person):
        raise InvalidFacts(role, f"The {role}'s details are missing.")
    who = role
    dob = person.date_of_birth
    # A datetime is a date subclass but cannot be compared with a date; reject it rather than guess a time zone.
    if not isinstance(dob, date) or isinstance(dob, datetime):
        raise InvalidFacts(f"{role}.date_of_birth", f"The {who}'s date of birth must be a date.")
    if dob > period_end:
        raise InvalidFacts(
            f"{role}.date_of_birth",
            f"The {who}'s date of birth ({format_date(dob)}) is after the end of the assessment period "
            f"({format_date(period_end)}).",
        )
    age = age_on(dob, period_end)
    if age < MINIMUM_AGE:
        raise InvalidFacts(
            f"{role}.date_of_birth",
            f"The {who} is {age} on the last day of the assessment period; Universal Credit claimants and "
            f"partners must be at least {MINIMUM_AGE}.",
        )
    _check_money(person.employed_earnings, f"{role}.employed_earnings", who, "employed earnings")
    _check_money(
        person.self_employed_earnings, f"{role}.self_employed_earnings", who, "self-employed earnings"
    )
    hours = person.expected_hours
    if isinstance(hours, bool) or not isinstance(hours, Decimal | int) or not Decimal(hours).is_finite():
        raise InvalidFacts(f"{role}.expected_hours", f"The {who}'s expected hours must be a number of hours.")
    if not 0 <= hours <= HOURS_IN_A_WEEK:
        raise InvalidFacts(
            f"{role}.expected_hours", f"The {who}'s expected hours must be between 0 and 168 a week."
        )
    try:
        ConditionalityGroup(person.conditionality_group)
    except ValueError:
        raise InvalidFacts(
            f"{role}.conditionality_group",
            f"The {who}'s conditionality group {person.conditionality_group!r} is not recognised.",
        ) from None
    for flag in ("apprentice", "minimum_income_floor", "eligible_for_uc"):
        if not isinstance(getattr(person, flag), bool):
            raise InvalidFacts(f"{role}.{flag}", f"The {who}'s {flag.replace('_', ' ')} must be yes or no.")
    return age


# --------------------------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Earnings:
    """Exact gross earnings in the AP. The cycling detector passes normalised (non-penny) figures here."""

    employed: Fraction
    self_employed: Fraction

    @property
    def total(self) -> Fraction:
        return self.employed + self.self_employed

    @classmethod
    def of(cls, person: Person) -> _Earnings:
        return cls(Fraction(person.employed_earnings), Fraction(person.self_employed_earnings))


@dataclass(frozen=True)
class _Voice:
    """Second-person wording for the claimant, third-person for the partner."""

    subject: str  # "you" / "your partner"
    verb_be: str  # "are" / "is"
    possessive: str  # "your" / "your partner's"
    pronoun_possessive: str  # "your" / "their"

    @property
    def cap_subject(self) -> str:
        return self.subject[0].upper() + self.subject[1:]

    @property
    def cap_possessive(self) -> str:
        return self.possessive[0].upper() + self.possessive[1:]


_CLAIMANT_VOICE = _Voice("you", "are", "your", "your")
_PARTNER_VOICE = _Voice("your partner", "is", "your partner's", "their")


@dataclass(frozen=True)
class _CetBasis:
    """How one person's individual CET was worked out."""

    threshold: Fraction
    hours: Decimal
    rate: Decimal
    sentences: tuple[str, ...]

    @property
    def short(self) -> str:
        """E.g. "35 hours at £12.21 an hour"."""
        return f"{_format_hours(self.hours)} hours at {format_money(self.rate)} an hour"


def _cet_basis(person: Person, age: int, period_end: date, wages: WageRates, voice: _Voice) -> _CetBasis:
    group = ConditionalityGroup(person.conditionality_group)
    if group is ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS:
        # §2 [Decision]: someone in No work-related requirements contributes 0 to a couple's household CET; the
        # same 0 is reported as their individual CET so that household = claimant + partner always holds.
        return _CetBasis(Fraction(0), Decimal(0), Decimal(0), ())
    sentences: list[str] = []
    if person.apprentice:
        rate = wages.apprentice_rate
        sentences.append(
            f"{voice.cap_subject} {voice.verb_be} an apprentice, so {voice.possessive} CET uses the apprentice rate "
            f"of {format_money(rate)} an hour."
        )
    else:
        band = wages.band_for_age(age)
        rate = band.rate
        sentences.append(
            f"{voice.cap_subject} {voice.verb_be} {age} on the last day of the period ({format_date(period_end)}), "
            f"so {voice.possessive} CET uses {band.description} of {format_money(rate)} an hour."
        )
    expected = Decimal(person.expected_hours)
    if group in _SIXTEEN_HOUR_GROUPS:
        # reg 90: 16 hours for anyone who would otherwise be in s.20/s.21 groups, whatever their expected hours.
        hours = SIXTEEN_HOURS
        sentences.append(
            f"{voice.cap_possessive} CET uses 16 hours a week because {voice.subject} {voice.verb_be} in the "
            f"{group.label} group; the law sets 16 hours for Preparing for work and Planning for work."
        )
    else:
        hours = expected
        sentences.append(
            f"{voice.cap_possessive} CET uses {voice.pronoun_possessive} {_format_hours(expected)} expected hours a "
            "week."
        )
    if person.apprentice and hours > APPRENTICE_HOURS_CAP:
        sentences.append(
            f"{voice.cap_possessive} {_format_hours(hours)} hours are capped at 30 because {voice.subject} "
            f"{voice.verb_be} an apprentice."
        )
        hours = APPRENTICE_HOURS_CAP
    threshold = monthly_amount(rate, hours)
    sentences.append(
        f"{voice.cap_possessive} CET is {_format_hours(hours)} hours at {format_money(rate)} an hour × 52 ÷ 12 = "
        f"{format_money(threshold)} a month."
    )
    return _CetBasis(threshold, hours, rate, tuple(sentences))


@dataclass(frozen=True)
class _Couple:
    """What one member of a couple needs to know about the couple as a whole."""

    combined_employed: Fraction
    combined_total: Fraction
    aet_couple: Fraction
    cet_household: Fraction


def _earnings_phrase(earnings: _Earnings) -> str:
    if earnings.employed and earnings.self_employed:
        return (
            f"{format_money(earnings.total)} ({format_money(earnings.employed)} employed + "
            f"{format_money(earnings.self_employed)} self-employed)"
        )
    if earnings.self_employed:
        return f"{format_money(earnings.total)} (self-employed)"
    return format_money(earnings.total)


def _in_regime(voice: _Voice, regime: Regime) -> str:
    kind = "regime" if regime.is_earnings_regime else "group"
    return f"{voice.subject} {voice.verb_be} in the {regime.label} {kind}"


def _decide(
    *,
    person: Person,
    earnings: _Earnings,
    basis: _CetBasis,
    aet_single: Fraction,
    couple: _Couple | None,
    voice: _Voice,
) -> tuple[Regime, Limb, tuple[str, ...]]:
    """One person's regime. The order is the law's: circumstances, MIF, CET (individual then household), then
    the AET (individual then couple limb) — §2 "test the CET before the AET"."""
    group = ConditionalityGroup(person.conditionality_group)
    if group is ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS:
        # §1: least conditional wins, so earnings can never make this group more conditional.
        regime = Regime.NO_WORK_RELATED_REQUIREMENTS
        return (
            regime,
            Limb.CONDITIONALITY_GROUP,
            (
                f"{_in_regime(voice, regime)[0].upper()}{_in_regime(voice, regime)[1:]} because of "
                f"{voice.pronoun_possessive} circumstances, so earnings do not change it.",
            ),
        )
    if person.minimum_income_floor:
        # The MIF deems earnings of at least the individual CET, so the person is Working Enough. [Decision] A
        # couple's household test uses actual earnings: counting the deemed floor could never change the other
        # partner's outcome (max(a, Ta) + b >= Ta + Tb holds exactly when b >= Tb or a + b >= Ta + Tb).
        return (
            Regime.WORKING_ENOUGH,
            Limb.MINIMUM_INCOME_FLOOR,
            (
                f"The Minimum Income Floor is applied to {voice.possessive} self-employment, so "
                f"{_in_regime(voice, Regime.WORKING_ENOUGH)} whatever the earnings this period.",
            ),
        )

    earned = _earnings_phrase(earnings)
    cet = format_money(basis.threshold)
    if earnings.total >= basis.threshold:
        return (
            Regime.WORKING_ENOUGH,
            Limb.CET_INDIVIDUAL,
            (
                f"{voice.cap_possessive} earnings of {earned} meet {voice.pronoun_possessive} CET of {cet} "
                f"({basis.short}), so {_in_regime(voice, Regime.WORKING_ENOUGH)}.",
            ),
        )
    below_cet = f"{voice.cap_possessive} earnings of {earned} are below {voice.pronoun_possessive} CET of {cet} ({basis.short})"
    if couple is not None and couple.combined_total >= couple.cet_household:
        return (
            Regime.WORKING_ENOUGH,
            Limb.CET_HOUSEHOLD,
            (
                f"{below_cet}, but the couple's combined earnings of {format_money(couple.combined_total)} meet "
                f"the household CET of {format_money(couple.cet_household)}, so "
                f"{_in_regime(voice, Regime.WORKING_ENOUGH)}.",
            ),
        )
    household_miss = (
        ""
        if couple is None
        else (
            f", and the couple's combined earnings of {format_money(couple.combined_total)} are below the "
            f"household CET of {format_money(couple.cet_household)}"
        )
    )
    if group in _SIXTEEN_HOUR_GROUPS:
        regime = Regime(group.value)
        return (
            regime,
            Limb.CONDITIONALITY_GROUP,
            (
                f"{below_cet}{household_miss}, so {_in_regime(voice, regime)}, as {voice.pronoun_possessive} "
                "circumstances set.",
            ),
        )

    # All work-related requirements: the AET decides between Light Touch and Intensive Work Search.
    sentences: list[str] = []
    employed = format_money(earnings.employed)
    aet = format_money(aet_single)
    if earnings.employed >= aet_single:
        sentences.append(f"{below_cet}{household_miss}.")
        sentences.append(
            f"{voice.cap_possessive} employed earnings of {employed} meet the single AET of {aet}, so "
            f"{_in_regime(voice, Regime.LIGHT_TOUCH)}."
        )
        regime, limb = Regime.LIGHT_TOUCH, Limb.AET_INDIVIDUAL
    elif couple is not None and couple.combined_employed >= couple.aet_couple:
        sentences.append(f"{below_cet}{household_miss}.")
        sentences.append(
            f"{voice.cap_possessive} employed earnings of {employed} are below the single AET of {aet}, but the "
            f"couple's combined employed earnings of {format_money(couple.combined_employed)} meet the couple "
            f"AET of {format_money(couple.aet_couple)}, so {_in_regime(voice, Regime.LIGHT_TOUCH)}."
        )
        regime, limb = Regime.LIGHT_TOUCH, Limb.AET_COUPLE
    elif couple is None and not earnings.self_employed:
        # The simplest case reads as one sentence, e.g. "£880.00 is below the single AET of £952.38 for this
        # period, and below your CET of £1,851.85 (35 hours at £12.21 an hour)."
        sentences.append(
            f"{employed} is below the single AET of {aet} for this period, and below {voice.pronoun_possessive} "
            f"CET of {cet} ({basis.short})."
        )
        sentences.append(f"So {_in_regime(voice, Regime.INTENSIVE_WORK_SEARCH)}.")
        regime, limb = Regime.INTENSIVE_WORK_SEARCH, Limb.BELOW_THRESHOLDS
    else:
        sentences.append(f"{below_cet}{household_miss}.")
        couple_miss = (
            ""
            if couple is None
            else (
                f", and the couple's combined employed earnings of {format_money(couple.combined_employed)} are "
                f"below the couple AET of {format_money(couple.aet_couple)}"
            )
        )
        sentences.append(
            f"{voice.cap_possessive} employed earnings of {employed} are below the single AET of {aet}{couple_miss}, "
            f"so {_in_regime(voice, Regime.INTENSIVE_WORK_SEARCH)}."
        )
        regime, limb = Regime.INTENSIVE_WORK_SEARCH, Limb.BELOW_THRESHOLDS
    if earnings.self_employed:
        sentences.append("Self-employed earnings count towards the CET but never towards the AET.")
    return regime, limb, tuple(sentences)


def _aet_sentence(aet: AetParameters, couple: bool) -> str:
    single = format_money(aet.single_threshold)
    couple_figure = format_money(aet.couple_threshold)
    if aet.basis == "cash":
        tail = f" and {couple_figure} for a couple" if couple else ""
        return (
            f"The AET in force from {format_date(aet.effective_from)} is a fixed cash amount of {single} a month "
            f"for a single person{tail}."
        )
    assert aet.single_hours is not None and aet.couple_hours is not None and aet.hourly_rate is not None
    tail = f", and {_format_hours(aet.couple_hours)} hours = {couple_figure} for a couple" if couple else ""
    return (
        f"The AET in force from {format_date(aet.effective_from)} is {_format_hours(aet.single_hours)} hours a "
        f"week at the adult National Living Wage of {format_money(aet.hourly_rate)} an hour × 52 ÷ 12 = {single} "
        f"a month for a single person{tail}; it uses the adult rate whatever the person's age."
    )


def _assess_exact(
    *,
    period_start: date,
    claimant: Person,
    partner: Person | None,
    parameters: Parameters,
    claimant_earnings: _Earnings,
    partner_earnings: _Earnings | None,
    anchor_day: int | None = None,
) -> Assessment:
    """The engine proper, on facts already validated, with exact earnings that need not be whole pence."""
    period_end = assessment_period_end(period_start, anchor_day)
    age = age_on(claimant.date_of_birth, period_end)
    wages = parameters.wages
    aet = parameters.aet
    aet_single = aet.single_threshold

    explanation: list[str] = [
        f"Assessment period {format_date(period_start)} to {format_date(period_end)}; the rates in force on "
        f"{format_date(period_start)} apply to the whole period.",
        _aet_sentence(aet, couple=partner is not None),
    ]
    claimant_basis = _cet_basis(claimant, age, period_end, wages, _CLAIMANT_VOICE)

    if partner is None or partner_earnings is None:
        regime, limb, said = _decide(
            person=claimant,
            earnings=claimant_earnings,
            basis=claimant_basis,
            aet_single=aet_single,
            couple=None,
            voice=_CLAIMANT_VOICE,
        )
        explanation += [*claimant_basis.sentences, *said]
        return Assessment(
            regime=regime,
            partner_regime=None,
            thresholds=Thresholds(aet_single, None, claimant_basis.threshold, None, None),
            explanation=tuple(explanation),
            period_start=period_start,
            period_end=period_end,
            age=age,
            decided_by=limb,
        )

    partner_age = age_on(partner.date_of_birth, period_end)
    aet_couple = aet.couple_threshold
    # §2: the couple AET limb counts both partners' employed earnings, including a partner not eligible for UC.
    combined_employed = claimant_earnings.employed + partner_earnings.employed
    combined_total = claimant_earnings.total + partner_earnings.total

    if not partner.eligible_for_uc:
        # reg 3(3) / §2: a partner not eligible for UC has no regime; the household figure adds 35 h at the adult
        # NLW for them.
        partner_part = monthly_amount(wages.adult_rate, INELIGIBLE_PARTNER_HOURS)
        household = claimant_basis.threshold + partner_part
        couple = _Couple(combined_employed, combined_total, aet_couple, household)
        regime, limb, said = _decide(
            person=claimant,
            earnings=claimant_earnings,
            basis=claimant_basis,
            aet_single=aet_single,
            couple=couple,
            voice=_CLAIMANT_VOICE,
        )
        explanation.append(
            f"The household CET is {format_money(household)}: your CET of {format_money(claimant_basis.threshold)} "
            f"plus {format_money(partner_part)} for your partner, who is not eligible for Universal Credit "
            f"(35 hours at the adult National Living Wage of {format_money(wages.adult_rate)} an hour × 52 ÷ 12)."
        )
        explanation += [*claimant_basis.sentences, *said]
        explanation.append(
            "Your partner is not eligible for Universal Credit, so they have no regime of their own; their "
            f"employed earnings of {format_money(partner_earnings.employed)} count towards the couple AET and "
            f"their earnings of {format_money(partner_earnings.total)} towards the household CET."
        )
        return Assessment(
            regime=regime,
            partner_regime=None,
            thresholds=Thresholds(aet_single, aet_couple, claimant_basis.threshold, None, household),
            explanation=tuple(explanation),
            period_start=period_start,
            period_end=period_end,
            age=age,
            decided_by=limb,
            partner_decided_by=None,
            partner_age=partner_age,
        )

    partner_basis = _cet_basis(partner, partner_age, period_end, wages, _PARTNER_VOICE)
    household = claimant_basis.threshold + partner_basis.threshold
    couple = _Couple(combined_employed, combined_total, aet_couple, household)
    regime, limb, said = _decide(
        person=claimant,
        earnings=claimant_earnings,
        basis=claimant_basis,
        aet_single=aet_single,
        couple=couple,
        voice=_CLAIMANT_VOICE,
    )
    partner_regime, partner_limb, partner_said = _decide(
        person=partner,
        earnings=partner_earnings,
        basis=partner_basis,
        aet_single=aet_single,
        couple=couple,
        voice=_PARTNER_VOICE,
    )
    explanation.append(_household_sentence(claimant, partner, claimant_basis, partner_basis, household))
    explanation += [*claimant_basis.sentences, *said, *partner_basis.sentences, *partner_said]
    return Assessment(
        regime=regime,
        partner_regime=partner_regime,
        thresholds=Thresholds(
            aet_single, aet_couple, claimant_basis.threshold, partner_basis.threshold, household
        ),
        explanation=tuple(explanation),
        period_start=period_start,
        period_end=period_end,
        age=age,
        decided_by=limb,
        partner_decided_by=partner_limb,
        partner_age=partner_age,
    )


def _household_sentence(
    claimant: Person,
    partner: Person,
    claimant_basis: _CetBasis,
    partner_basis: _CetBasis,
    household: Fraction,
) -> str:
    def part(person: Person, basis: _CetBasis, whose: str, who: str) -> str:
        if person.conditionality_group == ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS:
            return (
                f"£0.00 for {who}, as {who} {'are' if who == 'you' else 'is'} in No work-related requirements"
            )
        return f"{whose} CET of {format_money(basis.threshold)}"

    claimant_part = part(claimant, claimant_basis, "your", "you")
    partner_part = part(partner, partner_basis, "your partner's", "your partner")
    return f"The household CET is {format_money(household)}: {claimant_part} plus {partner_part}."


def assess(
    *,
    period_start: date,
    claimant: Person,
    partner: Person | None,
    parameters: Parameters,
    anchor_day: int | None = None,
) -> Assessment:
    """Decide the claimant's (and an eligible partner's) regime for the AP starting on ``period_start``.

    ``parameters`` should be those in force on ``period_start`` (see :func:`parameters_in_force`).
    ``anchor_day`` is only needed for an AP anchored on the 29th–31st that starts on a shorter month's last day
    (see :func:`next_period_start`); it moves the AP's end and so the day ages are taken on. Raises
    :class:`InvalidFacts` (with ``field``) when the facts cannot describe a real claim. Easements are not modelled
    here: they sit on top of the regime (§5).
    """
    if not isinstance(period_start, date) or isinstance(period_start, datetime):
        raise InvalidFacts("period_start", "The assessment period's start must be a date.")
    if not isinstance(parameters, Parameters):
        raise TypeError("parameters must be a Parameters instance (see parameters_in_force)")
    try:
        period_end = assessment_period_end(period_start, anchor_day)
    except ValueError:
        raise InvalidFacts(
            "anchor_day",
            f"An assessment period anchored on day {anchor_day} cannot start on {format_date(period_start)}.",
        ) from None
    _check_person(claimant, "claimant", period_end)
    if not claimant.eligible_for_uc:
        raise InvalidFacts(
            "claimant.eligible_for_uc",
            "The claimant must be eligible for Universal Credit; only a partner can be ineligible.",
        )
    if partner is not None:
        _check_person(partner, "partner", period_end)
    return _assess_exact(
        period_start=period_start,
        claimant=claimant,
        partner=partner,
        parameters=parameters,
        claimant_earnings=_Earnings.of(claimant),
        partner_earnings=None if partner is None else _Earnings.of(partner),
        anchor_day=anchor_day,
    )
