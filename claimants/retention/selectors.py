"""Retention's reads: the claimants due for anonymising on a day."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import QuerySet

from claimants.models import Claimant
from claimants.retention.rules import retention_cutoff


def retention_years() -> int:
    return settings.IWP_RETENTION_YEARS


def claimants_due_for_anonymising(*, today: date, years: int | None = None) -> QuerySet[Claimant]:
    """Claimants whose claim closed on or before ``today`` minus the retention period and who are not anonymised
    yet, oldest closure first. A claimant with no closing date is never among them."""
    cutoff = retention_cutoff(today, years or retention_years())
    return Claimant.objects.filter(
        claim_closed_on__isnull=False, claim_closed_on__lte=cutoff, anonymised_at__isnull=True
    ).order_by("claim_closed_on", "pk")
