"""Reads for the regime engine: the thresholds and rates in force. They are tiny tables: load them whole."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from claimants.models import AetParameter, WageBand, WageRate
from claimants.regimes.engine import AetParameters, AgeBandRate, Parameters, WageRates, parameters_in_force


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
