"""Reads of a claimant's dated facts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import F

from claimants.facts.rules import Version
from claimants.models import VERSIONED_FACTS, Claimant, ClaimantFacts
from claimants.regimes.engine import _days_in_month

# The first version (no start date: the start of the claim) first, on PostgreSQL and SQLite alike.
FIRST_TO_LATEST = F("effective_from").asc(nulls_first=True)


def current_period_start(assessment_day: int, today: date) -> date:
    """The first day of the assessment period that contains ``today`` for a claim whose periods start on
    ``assessment_day`` (or the month's last day where that day does not exist)."""
    start = date(today.year, today.month, min(assessment_day, _days_in_month(today.year, today.month)))
    if start <= today:
        return start
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return date(year, month, min(assessment_day, _days_in_month(year, month)))


def fact_versions(claimant: Claimant | int) -> list[ClaimantFacts]:
    """The claimant's versions, first (from the start of the claim) to latest."""
    claimant_id = claimant if isinstance(claimant, int) else claimant.pk
    return list(
        ClaimantFacts.objects.filter(claimant_id=claimant_id)
        .select_related("recorded_by", "partner")
        .order_by(FIRST_TO_LATEST)
    )


def versions_by_claimant(claimant_ids: Iterable[int]) -> dict[int, list[ClaimantFacts]]:
    """Every version of each claimant, in start order, in one query."""
    found: dict[int, list[ClaimantFacts]] = {}
    rows = ClaimantFacts.objects.filter(claimant_id__in=set(claimant_ids)).order_by(
        "claimant_id", FIRST_TO_LATEST
    )
    for row in rows:
        found.setdefault(row.claimant_id, []).append(row)
    return found


def version_on(versions: list[ClaimantFacts], day: date) -> ClaimantFacts | None:
    """The version in force on ``day`` (the first version is in force from the start of the claim)."""
    found = None
    for version in versions:
        if version.effective_from is None or version.effective_from <= day:
            found = version
        else:
            break
    return found


def as_rule_versions(rows: list[ClaimantFacts]) -> list[Version]:
    return [
        Version(start=row.effective_from, values=row.values(), changed=frozenset(row.changed), key=row.pk)
        for row in rows
    ]


__all__ = ["VERSIONED_FACTS", "as_rule_versions", "current_period_start", "fact_versions", "version_on"]
