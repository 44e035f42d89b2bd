"""Bank holidays by UK nation, computed offline by the ``holidays`` package (no network, no yearly upload).

England and Wales share one list (``ENG`` and ``WLS`` are the same days); Scotland (``SCT``) and Northern
Ireland (``NIR``) have their own — St Andrew's Day, St Patrick's Day, the Battle of the Boyne, 2 January.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from iwp.models import Nation

SUBDIVISIONS = {
    Nation.ENGLAND_AND_WALES: "ENG",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


@lru_cache(maxsize=64)
def _year(nation: str, year: int) -> frozenset[date]:
    subdiv = SUBDIVISIONS.get(nation, "ENG")  # an unknown value is the default nation, as the field's default
    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year))


def bank_holidays(nation: str, first_year: int, last_year: int) -> frozenset[date]:
    """Every bank holiday of the nation in the years ``first_year`` to ``last_year`` (both included)."""
    days: frozenset[date] = frozenset()
    for year in range(first_year, last_year + 1):
        days |= _year(nation, year)
    return days
