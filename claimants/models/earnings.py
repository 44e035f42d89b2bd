"""Gross earnings per assessment period, with corrections kept."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.models.claimant import MONEY, Claimant
from iwp.models import StaffMember


class EarningsSource(models.TextChoices):
    RTI = "rti", "HMRC Real Time Information"
    SELF_REPORT = "self_report", "Self-reported"
    MANUAL = "manual", "Entered by staff"


class EarningsRecord(models.Model):
    """Gross earnings received in one assessment period. A correction adds a new current row and keeps the
    old one (``superseded_at`` set), so nothing is lost."""

    # Indexed with the period (earnings_claimant_period_idx below), not on its own (migration 0025).
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="earnings", db_index=False)
    period_start = models.DateField()
    employed_earnings = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    self_employed_earnings = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    paydays = models.PositiveSmallIntegerField(null=True, blank=True)
    # Earnings of a partner not eligible for UC, reported on this claim.
    non_uc_partner_employed = models.DecimalField(**MONEY, null=True, blank=True)
    non_uc_partner_self_employed = models.DecimalField(**MONEY, null=True, blank=True)
    source = models.CharField(max_length=12, choices=EarningsSource.choices, default=EarningsSource.MANUAL)
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claimant", "-period_start", "-received_at"]
        constraints = [
            # On PostgreSQL its index also carries the four figures the regime rules read (INCLUDE, migration
            # 0028), so the uprating reads current earnings from the index alone. Not declared here: Django would
            # then not create the constraint at all on SQLite, which has no INCLUDE.
            models.UniqueConstraint(
                fields=["claimant", "period_start"],
                condition=Q(is_current=True),
                name="one_current_earnings_per_period",
            ),
            models.CheckConstraint(
                name="earnings_not_negative",
                condition=Q(employed_earnings__gte=0, self_employed_earnings__gte=0),
            ),
        ]
        # Every read of a claimant's earnings, corrections too, and the uprating's reads from a date on: the period
        # is in the index, so "from this AP on" passes over the earlier periods there instead of fetching and
        # discarding their rows
        # (migration 0025).
        indexes = [models.Index(fields=["claimant", "period_start"], name="earnings_claimant_period_idx")]

    def __str__(self) -> str:
        return f"Earnings for the assessment period from {self.period_start}: £{self.employed_earnings}"
