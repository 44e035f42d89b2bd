"""Dates that mean something (issue #11): one range per kind of date a person types, decided once and reused by
every form, service and API that takes that kind of date. Pure: stdlib only, ``today`` always passed in.

A range answers with a message in the GOV.UK style that says what is allowed ("… must be today or in the next 12
months"), never a bare "invalid". Ranges that depend on data (thresholds in force for an assessment period) live
beside that data and add their own check on top.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    year = min(max(year, 1), 9999)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def long_date(day: date) -> str:
    """5 December 2026 (GOV.UK style: no leading zero, no comma)."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class DateRange:
    """The dates a field accepts, relative to ``today``: ``earliest``/``latest`` are inclusive bounds (None: open)."""

    what: str  # "the date of birth": lower case, as it reads inside a sentence
    earliest: Callable[[date], date] | None
    latest: Callable[[date], date] | None
    too_early: str  # templates: {what} {What} {earliest} {latest}
    too_late: str

    def problem(self, value: date, *, today: date) -> str | None:
        earliest = self.earliest(today) if self.earliest else None
        latest = self.latest(today) if self.latest else None
        words = {
            "what": self.what,
            "What": self.what[0].upper() + self.what[1:],
            "earliest": long_date(earliest) if earliest else "",
            "latest": long_date(latest) if latest else "",
        }
        if earliest is not None and value < earliest:
            return self.too_early.format(**words)
        if latest is not None and value > latest:
            return self.too_late.format(**words)
        return None

    def named(self, what: str) -> DateRange:
        """The same range for a differently named date ("the partner's date of birth")."""
        return DateRange(what, self.earliest, self.latest, self.too_early, self.too_late)


def _today(today: date) -> date:
    return today


MIN_AGE, MAX_AGE = 16, 100

# Universal Credit claimants are 16 or over; nobody on a caseload is over 100 (a person is 100 until the day
# before their 101st birthday).
DATE_OF_BIRTH = DateRange(
    "the date of birth",
    earliest=lambda today: add_years(today, -(MAX_AGE + 1)) + timedelta(days=1),
    latest=lambda today: add_years(today, -MIN_AGE),
    too_early=f"{{What}} must be on or after {{earliest}}: the person must be {MAX_AGE} or under",
    too_late=f"{{What}} must be on or before {{latest}}: the person must be {MIN_AGE} or over",
)

# An assessment period may be recorded up to one period ahead (an RTI submission for the coming month); the
# earliest is decided by the thresholds in force (``claimants.regimes.selectors.assessment_period_problem``).
ASSESSMENT_PERIOD_START = DateRange(
    "the start of the assessment period",
    earliest=None,
    latest=lambda today: add_months(today, 1),
    too_early="",
    too_late="{What} must be on or before {latest}: no more than one assessment period ahead",
)


def _from_today_to(months: int, what: str) -> DateRange:
    return DateRange(
        what,
        earliest=_today,
        latest=lambda today: add_months(today, months),
        too_early="{What} must be today or in the future",
        too_late=f"{{What}} must be within the next {months} months, on or before {{latest}}",
    )


APPOINTMENT = _from_today_to(12, "the date of the appointment")
ACTION_DUE = _from_today_to(12, "the date it is due")
FOLLOW_UP = ACTION_DUE.named("the follow-up date")

# A contact attempt happened: not in the future; not before the appointment (checked by the outcome form).
CONTACT_ATTEMPT = DateRange(
    "the date of the contact attempt",
    earliest=lambda today: add_months(today, -12),
    latest=_today,
    too_early="{What} must be within the last 12 months, on or after {earliest}",
    too_late="{What} must be today or in the past",
)

ABSENCE_START = DateRange(
    "the first day of the absence",
    earliest=lambda today: add_months(today, -12),
    latest=lambda today: add_months(today, 12),
    too_early="{What} must be within the last 12 months, on or after {earliest}",
    too_late="{What} must be within the next 12 months, on or before {latest}",
)
ABSENCE_MAX_MONTHS = 12

EMPLOYMENT_START = DateRange(
    "the date the job started",
    earliest=lambda today: add_years(today, -(MAX_AGE - MIN_AGE)),
    latest=lambda today: add_months(today, 3),
    too_early="{What} must be after {earliest}",
    too_late="{What} must be on or before {latest}: no more than 3 months ahead",
)

OFFER_REVIEW = DateRange(
    "the review date",
    earliest=lambda today: today + timedelta(days=1),
    latest=lambda today: add_months(today, 24),
    too_early="{What} must be in the future",
    too_late="{What} must be within the next 2 years, on or before {latest}",
)

# A change of a claimant's facts takes effect from a day that has happened (not before Universal Credit began);
# how far back a user may go is a rule of the service (claimants.facts.services.check_effective_from).
FACTS_FROM = DateRange(
    "the date the change takes effect",
    earliest=lambda today: date(2013, 4, 29),
    latest=_today,
    too_early="{What} must be on or after {earliest}, when Universal Credit began",
    too_late="{What} must be today or in the past",
)

# An uprating recalculates from a date on which thresholds may change: not before Universal Credit existed.
UPRATING_FROM = DateRange(
    "the date to recalculate from",
    earliest=lambda today: date(2013, 4, 29),
    latest=lambda today: add_months(today, 24),
    too_early="{What} must be on or after {earliest}, when Universal Credit began",
    too_late="{What} must be within the next 2 years, on or before {latest}",
)
