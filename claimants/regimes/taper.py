"""The Universal Credit earnings taper, for the calculator's "what if you earned more?" comparison.

Pure: stdlib only, no Django, no I/O (like :mod:`claimants.regimes.engine`). Rulebook §7: the award falls by 55p for each
£1 of net earnings above the work allowance (2025/26: £411 a month when the award includes housing costs, £684
without). Only households responsible for a child, or where someone has limited capability for work, get a work
allowance; for everyone else the taper starts at the first £1.

Decisions (**[Decision]**) taken here:

* The extra earnings are treated as *net* earnings: there is no tax, National Insurance or pension model, so the
  gross figures a work coach enters are tapered as they are. Real take-home pay is lower, so the real gain is
  usually a little lower than shown — the calculator page says so next to the figure.
* The figures in force on the assessment period's first day apply to the whole period (as for the regime
  thresholds). Each row's date is the Monday on which UC uprating took effect; in law the new amounts apply from
  the first assessment period beginning on or after it, which is exactly "in force on the first day".
* A period after the last row keeps using the last row's figures until an administrator adds a new one (the
  result names the year of the figures used, so a stale table is visible).
* The taper cannot show the award running out: the calculator does not know the maximum award, so the result is
  "how much Universal Credit goes down by", assuming there is enough award left to reduce.
* Money is Decimal; the taper deduction is rounded half-up to the penny (UC Regulations 2013 reg 6(1): a fraction
  of a penny under a half is disregarded, otherwise it counts as a penny).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "TAPER_RATE",
    "WORK_ALLOWANCES",
    "NoWorkAllowanceInForce",
    "TaperEffect",
    "WorkAllowanceKind",
    "WorkAllowanceRow",
    "earnings_deduction",
    "taper_effect",
    "work_allowance_in_force",
]

_PENNY = Decimal("0.01")

# 55p for each £1 since 24 November 2021 (it was 63p before).
TAPER_RATE = Decimal("0.55")


class WorkAllowanceKind(StrEnum):
    """Which work allowance a household gets, if any."""

    LOWER = "housing_costs"  # the award includes the housing costs element
    HIGHER = "no_housing_costs"  # no housing costs element
    NONE = "none"  # no child and no one with limited capability for work: the taper starts at £0

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    WorkAllowanceKind.LOWER: "lower work allowance (the claim includes housing costs)",
    WorkAllowanceKind.HIGHER: "higher work allowance (no housing costs in the claim)",
    WorkAllowanceKind.NONE: "no work allowance",
}


class NoWorkAllowanceInForce(ValueError):
    """No work-allowance row is in force on the date asked about."""


@dataclass(frozen=True)
class WorkAllowanceRow:
    """Monthly work allowances and the taper rate in force from ``effective_from``."""

    effective_from: date
    lower: Decimal  # with housing costs
    higher: Decimal  # without housing costs
    taper_rate: Decimal = TAPER_RATE

    @property
    def tax_year(self) -> str:
        """E.g. "2025/26" (a row from 24 November 2021 belongs to 2021/22)."""
        start = self.effective_from.year if self.effective_from.month >= 4 else self.effective_from.year - 1
        return f"{start}/{(start + 1) % 100:02d}"

    def amount(self, kind: WorkAllowanceKind) -> Decimal:
        if kind is WorkAllowanceKind.LOWER:
            return self.lower
        if kind is WorkAllowanceKind.HIGHER:
            return self.higher
        return Decimal(0)


# Monthly work allowances (UC Regulations 2013 reg 22 as uprated). The regime thresholds start on 1 April 2022,
# so the table starts with the figures in force then (the November 2021 budget change).
WORK_ALLOWANCES: tuple[WorkAllowanceRow, ...] = (
    WorkAllowanceRow(date(2021, 11, 24), lower=Decimal("335"), higher=Decimal("557")),
    WorkAllowanceRow(date(2022, 4, 11), lower=Decimal("344"), higher=Decimal("573")),
    WorkAllowanceRow(date(2023, 4, 10), lower=Decimal("379"), higher=Decimal("631")),
    WorkAllowanceRow(date(2024, 4, 8), lower=Decimal("404"), higher=Decimal("673")),
    WorkAllowanceRow(date(2025, 4, 7), lower=Decimal("411"), higher=Decimal("684")),
)


def work_allowance_in_force(on: date, rows: Sequence[WorkAllowanceRow] = WORK_ALLOWANCES) -> WorkAllowanceRow:
    """The row in force on ``on`` (an assessment period's first day)."""
    in_force = [row for row in rows if row.effective_from <= on]
    if not in_force:
        raise NoWorkAllowanceInForce(f"No work allowance figures are in force on {on.isoformat()}.")
    return max(in_force, key=lambda row: row.effective_from)


def _pennies(value: Decimal) -> Decimal:
    return value.quantize(_PENNY, rounding=ROUND_HALF_UP)


def _check_money(value: Decimal, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a finite amount of at least 0")
    return value


def earnings_deduction(
    earnings: Decimal, work_allowance: Decimal, taper_rate: Decimal = TAPER_RATE
) -> Decimal:
    """How much a month's earnings take off the award: ``taper_rate`` × the earnings above the work allowance."""
    earnings = _check_money(earnings, "earnings")
    work_allowance = _check_money(work_allowance, "work_allowance")
    return _pennies(max(Decimal(0), earnings - work_allowance) * taper_rate)


@dataclass(frozen=True)
class TaperEffect:
    """What a change in the household's monthly earnings does to the UC award (all amounts a month).

    ``uc_change`` is how much the award goes *down* by (negative: it goes up); ``better_off`` is the extra
    earnings less that reduction (negative: worse off).
    """

    earnings_before: Decimal
    earnings_after: Decimal
    work_allowance: Decimal
    kind: WorkAllowanceKind
    taper_rate: Decimal
    figures_year: str
    deduction_before: Decimal
    deduction_after: Decimal

    @property
    def extra_earnings(self) -> Decimal:
        return self.earnings_after - self.earnings_before

    @property
    def uc_change(self) -> Decimal:
        return self.deduction_after - self.deduction_before

    @property
    def better_off(self) -> Decimal:
        return self.extra_earnings - self.uc_change

    @property
    def tapered_earnings(self) -> Decimal:
        """How much of the change falls above the work allowance (and so is tapered)."""
        above_after = max(Decimal(0), self.earnings_after - self.work_allowance)
        above_before = max(Decimal(0), self.earnings_before - self.work_allowance)
        return above_after - above_before

    @property
    def pence_per_pound(self) -> int:
        """The taper as whole pence, e.g. 55."""
        return int(self.taper_rate * 100)

    @property
    def explanation(self) -> tuple[str, ...]:
        """Plain-English working, e.g. for a better-off calculation shown to a claimant."""
        pence = self.pence_per_pound
        if self.kind is WorkAllowanceKind.NONE:
            allowance = (
                "The household does not get a work allowance, so Universal Credit goes down by "
                f"{pence}p for each £1 earned."
            )
        else:
            allowance = (
                f"The {self.kind.label} is {_money(self.work_allowance)} a month ({self.figures_year} figures): "
                f"earnings up to that amount do not reduce Universal Credit; above it, Universal Credit goes down "
                f"by {pence}p for each £1."
            )
        change = self.extra_earnings
        moved = "more" if change >= 0 else "less"
        sentences = [
            allowance,
            f"The household would earn {_money(abs(change))} a month {moved}: {_money(self.earnings_before)} "
            f"becomes {_money(self.earnings_after)}.",
        ]
        if self.uc_change == 0:
            sentences.append(
                "All of the change is within the work allowance, so Universal Credit does not change."
            )
        else:
            direction = "down" if self.uc_change > 0 else "up"
            sentences.append(
                f"{_money(abs(self.tapered_earnings))} of the change is above the work allowance, so Universal "
                f"Credit goes {direction} by {_money(abs(self.uc_change))} ({pence}p for each £1)."
            )
        return tuple(sentences)


def _money(value: Decimal) -> str:
    amount = _pennies(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def taper_effect(
    *,
    on: date,
    earnings_before: Decimal,
    earnings_after: Decimal,
    kind: WorkAllowanceKind,
    rows: Sequence[WorkAllowanceRow] = WORK_ALLOWANCES,
) -> TaperEffect:
    """The taper effect of the household's monthly earnings changing from ``earnings_before`` to
    ``earnings_after`` in the assessment period starting ``on``.

    [Decision] Both amounts are treated as net earnings (no tax or National Insurance model): see the module notes.
    Raises :class:`NoWorkAllowanceInForce` for a period before the table starts.
    """
    earnings_before = _check_money(earnings_before, "earnings_before")
    earnings_after = _check_money(earnings_after, "earnings_after")
    kind = WorkAllowanceKind(kind)
    row = work_allowance_in_force(on, rows)
    allowance = row.amount(kind)
    return TaperEffect(
        earnings_before=earnings_before,
        earnings_after=earnings_after,
        work_allowance=allowance,
        kind=kind,
        taper_rate=row.taper_rate,
        figures_year=row.tax_year,
        deduction_before=earnings_deduction(earnings_before, allowance, row.taper_rate),
        deduction_after=earnings_deduction(earnings_after, allowance, row.taper_rate),
    )
