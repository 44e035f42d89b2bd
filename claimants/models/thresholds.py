"""Thresholds and rates: effective-dated data an administrator maintains (AET rows, wage rates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.models.claimant import HOURS, MONEY
from iwp.input.dates import DateRange, add_months

# When a threshold row was added or last edited. An uprating from a date trusts the history before it (issue #13),
# so a row recorded since the last uprating that covered its date, and taking effect before the date chosen, would
# be skipped for the periods between: the uprating page refuses that date (uprating_thresholds_not_applied). Empty
# for rows recorded before this was kept, which count as applied.
RECORDED_AT_HELP = "When the row was added or last edited"


class AetParameter(models.Model):
    """An Administrative Earnings Threshold row: cash figures, or hours × this row's own hourly rate."""

    effective_from = models.DateField(unique=True)
    single_cash = models.DecimalField(**MONEY, null=True, blank=True)
    couple_cash = models.DecimalField(**MONEY, null=True, blank=True)
    single_hours = models.DecimalField(**HOURS, null=True, blank=True)
    couple_hours = models.DecimalField(**HOURS, null=True, blank=True)
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now=True, null=True, editable=False, help_text=RECORDED_AT_HELP)

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

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.effective_from is not None:
            problem = AET_FROM.problem(self.effective_from, today=date.today())
            if problem:
                errors["effective_from"] = problem
        for name in ("single_hours", "couple_hours"):
            hours = getattr(self, name)
            if hours is not None and hours > 168:
                errors[name] = "Hours must be 168 or fewer (the hours in a week)"
        if self.hourly_rate is not None and self.hourly_rate > MAX_AET_RATE:
            errors["hourly_rate"] = f"The hourly rate must be £{MAX_AET_RATE} or less"
        if errors:
            raise ValidationError(errors)


# Universal Credit (and so the AET) began on 29 April 2013.
AET_FROM = DateRange(
    "the date the row applies from",
    earliest=lambda today: date(2013, 4, 29),
    latest=lambda today: add_months(today, 24),
    too_early="{What} must be on or after {earliest}, when Universal Credit began",
    too_late="{What} must be within the next 2 years, on or before {latest}",
)
MAX_AET_RATE = Decimal("100.00")


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
    recorded_at = models.DateTimeField(auto_now=True, null=True, editable=False, help_text=RECORDED_AT_HELP)

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

    def clean(self) -> None:
        """Reference data an administrator types in Django admin: every rule as a form error, never a 500."""
        errors: dict[str, str] = {}
        if self.effective_from is not None:
            problem = WAGE_RATE_FROM.problem(self.effective_from, today=date.today())
            if problem:
                errors["effective_from"] = problem
        if self.rate is not None and not (MIN_HOURLY_RATE <= self.rate <= MAX_HOURLY_RATE):
            errors["rate"] = f"The hourly rate must be between £{MIN_HOURLY_RATE} and £{MAX_HOURLY_RATE}"
        errors.update(self._age_problems())
        if not errors:
            errors.update(self._overlap_problems())
        if errors:
            raise ValidationError(errors)

    def _age_problems(self) -> dict[str, str]:
        if self.band == WageBand.APPRENTICE:
            if self.min_age is not None or self.max_age is not None:
                return {"min_age": "Leave the ages empty for the apprentice rate: it applies at any age"}
            return {}
        if self.min_age is None:
            return {"min_age": "Enter the youngest age the rate applies to"}
        if not MIN_WAGE_AGE <= self.min_age <= MAX_WAGE_AGE:
            return {"min_age": f"The youngest age must be between {MIN_WAGE_AGE} and {MAX_WAGE_AGE}"}
        if self.max_age is not None and not self.min_age <= self.max_age <= MAX_WAGE_AGE:
            return {"max_age": f"The oldest age must be between {self.min_age} and {MAX_WAGE_AGE}, or empty"}
        expected = BAND_AGES.get(self.band)
        if expected is not None:
            (low_min, low_max), (high_min, high_max) = expected
            ok_min = low_min <= self.min_age <= low_max
            ok_max = (
                (self.max_age is None)
                if high_min is None
                else (self.max_age is not None and high_min <= self.max_age <= high_max)
            )
            if not (ok_min and ok_max):
                return {"band": f"The {self.get_band_display()} band is for {BAND_AGE_WORDS[self.band]}"}
        return {}

    def _overlap_problems(self) -> dict[str, str]:
        """The age bands in force from one date tile the ages with no overlap (the engine's rule)."""
        if self.band == WageBand.APPRENTICE or self.effective_from is None:
            return {}
        others = WageRate.objects.filter(effective_from=self.effective_from).exclude(band=WageBand.APPRENTICE)
        if self.pk:
            others = others.exclude(pk=self.pk)
        for other in others.exclude(band=self.band):
            top, other_top = self.max_age or 10**3, other.max_age or 10**3
            if self.min_age <= other_top and other.min_age <= top:
                return {
                    "min_age": f"Ages {self.min_age} to {self.max_age or 'over'} overlap the "
                    f"{other.get_band_display()} band ({other.min_age} to {other.max_age or 'over'}) from "
                    f"{self.effective_from:%d %B %Y}"
                }
        return {}


# The National Minimum Wage began on 1 April 1999; rates are published at most a year or so ahead.
WAGE_RATE_FROM = DateRange(
    "the date the rate applies from",
    earliest=lambda today: date(1999, 4, 1),
    latest=lambda today: add_months(today, 24),
    too_early="{What} must be on or after {earliest}, when the National Minimum Wage began",
    too_late="{What} must be within the next 2 years, on or before {latest}",
)
MIN_HOURLY_RATE, MAX_HOURLY_RATE = Decimal("1.00"), Decimal("100.00")
MIN_WAGE_AGE, MAX_WAGE_AGE = 16, 100
# (youngest-age range, oldest-age range) each band allows; None: "and over".
BAND_AGES = {
    WageBand.AGE_16_17: ((16, 16), (17, 17)),
    WageBand.AGE_18_20: ((18, 18), (20, 20)),
    WageBand.YOUNG_ADULT: ((21, 21), (22, 24)),
    WageBand.ADULT: ((21, 25), (None, None)),
}
BAND_AGE_WORDS = {
    WageBand.AGE_16_17: "ages 16 to 17",
    WageBand.AGE_18_20: "ages 18 to 20",
    WageBand.YOUNG_ADULT: "ages 21 to 22 or 21 to 24",
    WageBand.ADULT: "ages 21, 23 or 25 and over (leave the oldest age empty)",
}


class ThresholdChange(models.Model):
    """A change to an AET or wage-rate row, written by the database itself (triggers, migration 0027) whatever made
    it: Django admin, a shell, a management command, ``QuerySet.update()`` (which stamps no ``recorded_at``) or
    SQL. One row per date the change touched: an added row's date, a changed or deleted row's date, both dates
    of a row moved to another, and every date of a table truncated (PostgreSQL, migration 0029). An uprating from
    a later date would skip such a change for the periods between (uprating_thresholds_not_applied). Rows changed
    before 0027 are not here; ``recorded_at`` and admin's audit cover those."""

    table_name = models.CharField(max_length=40)
    effective_from = models.DateField()
    # The database's clock at the change (the statement's, not the transaction's start).
    changed_at = models.DateTimeField()
    # The writing transaction's id on PostgreSQL (pg_current_xact_id, migration 0029), and the database cluster's
    # (pg_control_system's system_identifier: transaction ids of a restored copy start again, so only those of one
    # cluster compare): a job's snapshot of the same cluster sees the change or not, whatever the clocks say and
    # whenever it committed. Empty on SQLite and before 0029.
    transaction_id = models.BigIntegerField(null=True, blank=True)
    system_identifier = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.table_name} from {self.effective_from} changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"
