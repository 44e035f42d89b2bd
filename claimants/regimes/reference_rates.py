"""The rulebook's seed tables (uc-regimes.md §2) as plain data.

``AET_TABLE`` and ``WAGE_TABLE`` are tuples of dicts (Decimal / date / int / None only) so a Django data migration
can copy them into the effective-dated tables without importing the engine; ``AET_ROWS`` and ``WAGE_ROWS`` are the
same rows as engine dataclasses, for the engine and its tests.

Thresholds and rates are data an administrator maintains: these are only the starting rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from claimants.regimes.engine import AetParameters, AgeBandRate, WageRates

__all__ = ["AET_ROWS", "AET_TABLE", "WAGE_ROWS", "WAGE_TABLE"]

D = Decimal


def _cash(effective_from: date, single: str, couple: str) -> dict[str, Any]:
    return {
        "effective_from": effective_from,
        "basis": "cash",
        "single_cash": D(single),
        "couple_cash": D(couple),
        "single_hours": None,
        "couple_hours": None,
        "hourly_rate": None,
    }


def _hours(effective_from: date, single_hours: int, couple_hours: int, hourly_rate: str) -> dict[str, Any]:
    return {
        "effective_from": effective_from,
        "basis": "hours",
        "single_cash": None,
        "couple_cash": None,
        "single_hours": D(single_hours),
        "couple_hours": D(couple_hours),
        "hourly_rate": D(hourly_rate),
    }


# Administrative Earnings Threshold (reg 99(6)). Each row carries its OWN hourly rate and date: e.g. from 1 to 6
# April 2025 the AET is still 18 h × £11.44 although the wage table (and so the CET) already uses £12.21.
AET_TABLE: tuple[dict[str, Any], ...] = (
    # "Apr 2022": JSA personal allowance + £5 (single) / + £10 (couple), monthly, as cash figures.
    _cash(date(2022, 4, 1), "355.00", "567.00"),
    _hours(date(2022, 9, 26), 12, 19, "9.50"),  # £494.00 / £782.17
    _hours(date(2023, 1, 30), 15, 24, "9.50"),  # £617.50 / £988.00
    _hours(date(2023, 4, 1), 15, 24, "10.42"),  # £677.30 / £1,083.68
    _hours(date(2024, 4, 1), 15, 24, "11.44"),  # £743.60 / £1,189.76
    _hours(date(2024, 5, 13), 18, 29, "11.44"),  # £892.32 / £1,437.63
    _hours(date(2025, 4, 7), 18, 29, "12.21"),  # £952.38 / £1,534.39
    _hours(date(2026, 4, 6), 18, 29, "12.71"),  # £991.38 / £1,597.22 (derived)
)


def _band(min_age: int, max_age: int | None, rate: str) -> dict[str, Any]:
    return {"min_age": min_age, "max_age": max_age, "rate": D(rate)}


def _wages(
    effective_from: date,
    adult: tuple[int, str],
    young_adult: tuple[int, int, str] | None,
    age_18_20: str,
    age_16_17: str,
    apprentice: str,
) -> dict[str, Any]:
    adult_min_age, adult_rate = adult
    bands = [_band(adult_min_age, None, adult_rate)]
    if young_adult is not None:
        bands.append(_band(*young_adult))
    bands += [_band(18, 20, age_18_20), _band(16, 17, age_16_17)]
    return {"effective_from": effective_from, "bands": tuple(bands), "apprentice_rate": D(apprentice)}


# National Minimum / Living Wage by age band (adult age 25+ to Mar 2021, 23+ to Mar 2024, 21+ since).
WAGE_TABLE: tuple[dict[str, Any], ...] = (
    _wages(date(2019, 4, 1), (25, "8.21"), (21, 24, "7.70"), "6.15", "4.35", "3.90"),
    _wages(date(2020, 4, 1), (25, "8.72"), (21, 24, "8.20"), "6.45", "4.55", "4.15"),
    _wages(date(2021, 4, 1), (23, "8.91"), (21, 22, "8.36"), "6.56", "4.62", "4.30"),
    _wages(date(2022, 4, 1), (23, "9.50"), (21, 22, "9.18"), "6.83", "4.81", "4.81"),
    _wages(date(2023, 4, 1), (23, "10.42"), (21, 22, "10.18"), "7.49", "5.28", "5.28"),
    _wages(date(2024, 4, 1), (21, "11.44"), None, "8.60", "6.40", "6.40"),
    _wages(date(2025, 4, 1), (21, "12.21"), None, "10.00", "7.55", "7.55"),
    _wages(date(2026, 4, 1), (21, "12.71"), None, "10.85", "8.00", "8.00"),
)


def _aet_row(row: dict[str, Any]) -> AetParameters:
    fields = {key: value for key, value in row.items() if key != "basis"}
    built = AetParameters(**fields)
    assert built.basis == row["basis"]  # the stored basis must agree with the figures given
    return built


def _wage_row(row: dict[str, Any]) -> WageRates:
    return WageRates(
        effective_from=row["effective_from"],
        bands=tuple(AgeBandRate(**band) for band in row["bands"]),
        apprentice_rate=row["apprentice_rate"],
    )


AET_ROWS: tuple[AetParameters, ...] = tuple(_aet_row(row) for row in AET_TABLE)
WAGE_ROWS: tuple[WageRates, ...] = tuple(_wage_row(row) for row in WAGE_TABLE)
