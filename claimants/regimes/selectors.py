"""Reads for the regime engine: the thresholds and rates in force. They are tiny tables: load them whole."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Min, QuerySet
from django.utils import timezone

from claimants.models import AetParameter, RegimeMove, WageBand, WageRate
from claimants.regimes.engine import (
    AetParameters,
    AgeBandRate,
    Parameters,
    WageRates,
    parameters_in_force,
)
from iwp.input import dates


def rate_tables() -> tuple[tuple[AetParameters, ...], tuple[WageRates, ...]]:
    """All AET rows and wage-rate rows as the engine's dataclasses, oldest first."""
    aet = tuple(
        AetParameters(
            effective_from=row.effective_from,
            single_cash=row.single_cash,
            couple_cash=row.couple_cash,
            single_hours=row.single_hours,
            couple_hours=row.couple_hours,
            hourly_rate=row.hourly_rate,
        )
        for row in AetParameter.objects.order_by("effective_from")
    )
    by_date: dict[date, list[WageRate]] = defaultdict(list)
    for row in WageRate.objects.order_by("effective_from"):
        by_date[row.effective_from].append(row)
    wages = []
    for effective_from, rows in sorted(by_date.items()):
        apprentice = next((r.rate for r in rows if r.band == WageBand.APPRENTICE), None)
        bands = tuple(
            AgeBandRate(min_age=r.min_age, max_age=r.max_age, rate=r.rate)
            for r in rows
            if r.band != WageBand.APPRENTICE
        )
        if apprentice is None:
            # Rates without an apprentice row carry the previous one forward (never leave apprentices rateless).
            apprentice = wages[-1].apprentice_rate if wages else min(b.rate for b in bands)
        wages.append(WageRates(effective_from=effective_from, bands=bands, apprentice_rate=apprentice))
    return aet, tuple(wages)


def parameters_on(day: date, tables: tuple | None = None) -> Parameters:
    """The parameters in force on ``day`` (the first day of an assessment period). Raises NoThresholdsInForce."""
    aet, wages = tables or rate_tables()
    return parameters_in_force(day, aet, wages)


@dataclass(frozen=True)
class PeriodWindow:
    """The assessment periods earnings may be recorded for: from the first day any thresholds are in force (a
    period before it could never be decided, and once saved would stop the household's recalculation) to one
    period after today (``iwp.input.dates.ASSESSMENT_PERIOD_START``). Read once, then checked for every row of a feed."""

    earliest: date | None  # None: no thresholds at all
    today: date

    @classmethod
    def now(cls, *, today: date | None = None) -> PeriodWindow:
        aet = AetParameter.objects.aggregate(first=Min("effective_from"))["first"]
        wages = WageRate.objects.aggregate(first=Min("effective_from"))["first"]
        return cls(earliest=max(aet, wages) if aet and wages else None, today=today or timezone.localdate())

    def problem(self, start: date) -> str | None:
        problem = dates.ASSESSMENT_PERIOD_START.problem(start, today=self.today)
        if problem:
            return problem
        if self.earliest is None or start < self.earliest:
            since = f": the earliest is {dates.long_date(self.earliest)}" if self.earliest else ""
            return (
                "There are no earnings thresholds for an assessment period starting on "
                f"{dates.long_date(start)}{since}"
            )
        return None


def assessment_period_problem(start: date, *, today: date | None = None) -> str | None:
    """Why earnings for an assessment period starting on ``start`` cannot be recorded, or None."""
    return PeriodWindow.now(today=today).problem(start)


def uprating_movers(*, job_id: int) -> QuerySet[RegimeMove]:
    """Who an uprating job moved, one row per claimant (as its "N claimants moved regime" counts them), by name."""
    return (
        RegimeMove.objects.filter(job_id=job_id)
        .select_related("claimant__jobcentre")
        .order_by("claimant__last_name", "claimant__first_name", "claimant_id")
    )
