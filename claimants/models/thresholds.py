"""Thresholds and rates: effective-dated data an administrator maintains (AET rows, wage rates)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.models.claimant import HOURS, MONEY


class AetParameter(models.Model):
    """An Administrative Earnings Threshold row: cash figures, or hours × this row's own hourly rate."""

    effective_from = models.DateField(unique=True)
    single_cash = models.DecimalField(**MONEY, null=True, blank=True)
    couple_cash = models.DecimalField(**MONEY, null=True, blank=True)
    single_hours = models.DecimalField(**HOURS, null=True, blank=True)
    couple_hours = models.DecimalField(**HOURS, null=True, blank=True)
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["effective_from"]
        verbose_name = "AET parameter row"
        constraints = [
            models.CheckConstraint(
                name="aet_cash_or_hours",
                condition=(
                    Q(
                        single_cash__isnull=False,
                        couple_cash__isnull=False,
                        single_hours__isnull=True,
                        couple_hours__isnull=True,
                        hourly_rate__isnull=True,
                    )
                    | Q(
                        single_cash__isnull=True,
                        couple_cash__isnull=True,
                        single_hours__isnull=False,
                        couple_hours__isnull=False,
                        hourly_rate__isnull=False,
                    )
                ),
                violation_error_message="Give either both cash figures or hours for single and couple and an hourly rate.",
            ),
            models.CheckConstraint(
                name="aet_not_negative",
                condition=Q(single_cash__gte=0) | Q(single_cash__isnull=True),
                violation_error_message="Amounts cannot be negative.",
            ),
            models.CheckConstraint(
                name="aet_couple_not_negative",
                condition=Q(couple_cash__gte=0) | Q(couple_cash__isnull=True),
                violation_error_message="Amounts cannot be negative.",
            ),
            models.CheckConstraint(
                name="aet_rate_hours_positive",
                condition=Q(hourly_rate__isnull=True)
                | Q(hourly_rate__gt=0, single_hours__gt=0, couple_hours__gt=0),
                violation_error_message="Hours and the hourly rate must be more than 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"AET from {self.effective_from:%d %b %Y}"


class WageBand(models.TextChoices):
    ADULT = "adult", "Adult National Living Wage"
    YOUNG_ADULT = "young_adult", "21 to 22/24"
    AGE_18_20 = "18_20", "18 to 20"
    AGE_16_17 = "16_17", "16 to 17"
    APPRENTICE = "apprentice", "Apprentice"


class WageRate(models.Model):
    """One National Minimum/Living Wage rate for an age band, in force from ``effective_from``."""

    effective_from = models.DateField()
    band = models.CharField(max_length=12, choices=WageBand.choices)
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty for the apprentice rate"
    )
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty means 'and over'")
    rate = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["effective_from", "-min_age"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from", "band"], name="one_rate_per_band_per_date"),
            models.CheckConstraint(
                name="wage_rate_positive",
                condition=Q(rate__gt=0),
                violation_error_message="The rate must be more than £0.",
            ),
            models.CheckConstraint(
                name="wage_band_ages",
                condition=Q(band="apprentice", min_age__isnull=True, max_age__isnull=True)
                | (
                    ~Q(band="apprentice")
                    & Q(min_age__isnull=False)
                    & (Q(max_age__isnull=True) | Q(max_age__gte=models.F("min_age")))
                ),
                violation_error_message="Age bands need a minimum age (and a maximum no lower); apprentices have none.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_band_display()} £{self.rate} from {self.effective_from:%d %b %Y}"
