"""The facts the regime engine reads, each version in force from a date (issue #16).

A claimant's regime facts — conditionality group, expected hours and their reason, apprentice, self-employment
and the Minimum Income Floor, and the household (a partner who is a claimant, or one not eligible for UC) — are
kept as versions: each row holds the whole set in force from ``effective_from`` until the next version starts.
The first version has no start date: it is in force from the start of the claim. The engine decides each
assessment period with the version in force on the period's first day, as the rulebook does for thresholds, so
a change made today never rewrites what was decided for last year.

Easements were already dated (``Easement.starts_on``/``ends_on``); dates of birth do not change.

The claimant row keeps a copy of the version in force today (written by the same service, in the same
transaction) so lists, filters and the caseload keep reading one row.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from claimants.models.claimant import (
    HOURS,
    Claimant,
    ExpectedHoursReason,
    GroupChoices,
    regime_fact_constraints,
)
from claimants.regimes.engine import ConditionalityGroup
from iwp.models import StaffMember

# The fact fields a version holds, in the order a page shows them. Each is also a column of the claimant row.
VERSIONED_FACTS = (
    "conditionality_group",
    "expected_hours",
    "expected_hours_reason",
    "apprentice",
    "self_employed",
    "minimum_income_floor",
    "partner",
    "has_non_uc_partner",
    "non_uc_partner_date_of_birth",
)

# Facts that change together: a change to one of a group carries the others of the group with it.
FACT_GROUPS = {
    "expected_hours": ("expected_hours", "expected_hours_reason"),
    "expected_hours_reason": ("expected_hours", "expected_hours_reason"),
    "self_employed": ("self_employed", "minimum_income_floor"),
    "minimum_income_floor": ("self_employed", "minimum_income_floor"),
    "partner": ("partner", "has_non_uc_partner", "non_uc_partner_date_of_birth"),
    "has_non_uc_partner": ("partner", "has_non_uc_partner", "non_uc_partner_date_of_birth"),
    "non_uc_partner_date_of_birth": ("partner", "has_non_uc_partner", "non_uc_partner_date_of_birth"),
}


SHORT_GROUP_LABELS = {
    ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS: "All requirements",
    ConditionalityGroup.WORK_PREPARATION: "Preparing for work",
    ConditionalityGroup.WORK_FOCUSED_INTERVIEW: "Planning for work",
    ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS: "No requirements",
}


class FactsOrigin(models.TextChoices):
    RECORDED = "recorded", "Recorded by staff"
    COMMITMENT = "commitment", "Claimant commitment issued"
    NEW_CLAIMANT = "new_claimant", "Recorded when the claimant was added"
    MIGRATED = "migrated", "Recorded before facts were dated"


class ClaimantFacts(models.Model):
    """One version of a claimant's regime facts, in force from ``effective_from`` (None: from the start of the
    claim) until ``effective_to`` (exclusive; None: still in force). ``changed`` names the facts this version
    changed from the one before it, so a later back-dated change of another fact does not overwrite them."""

    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="fact_versions")
    effective_from = models.DateField(null=True, blank=True)
    # Kept by the service (the next version's start), so the set-based uprating can join on a plain range.
    effective_to = models.DateField(null=True, blank=True)

    conditionality_group = models.CharField(
        max_length=40, choices=GroupChoices.choices, default=ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS
    )
    expected_hours = models.DecimalField(
        **HOURS, default=Decimal(35), validators=[MinValueValidator(0), MaxValueValidator(168)]
    )
    expected_hours_reason = models.CharField(max_length=20, choices=ExpectedHoursReason.choices, blank=True)
    apprentice = models.BooleanField(default=False)
    self_employed = models.BooleanField(default=False)
    minimum_income_floor = models.BooleanField(default=False)
    partner = models.ForeignKey(Claimant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    has_non_uc_partner = models.BooleanField("Partner not eligible for UC", default=False)
    non_uc_partner_date_of_birth = models.DateField(null=True, blank=True)

    changed = models.JSONField(default=list, blank=True)
    reason = models.CharField("Why it changed", max_length=200, blank=True)
    origin = models.CharField(max_length=12, choices=FactsOrigin.choices, default=FactsOrigin.RECORDED)
    recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claimant_id", F("effective_from").asc(nulls_first=True)]
        verbose_name = "claimant's facts from a date"
        verbose_name_plural = "claimants' facts from a date"
        indexes = [models.Index(fields=["claimant", "effective_from"], name="facts_claimant_from_idx")]
        constraints = [
            models.UniqueConstraint(fields=["claimant", "effective_from"], name="one_facts_version_per_date"),
            models.UniqueConstraint(
                fields=["claimant"],
                condition=Q(effective_from__isnull=True),
                name="one_facts_version_from_claim_start",
            ),
            models.CheckConstraint(
                name="facts_range_in_order",
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gt=F("effective_from")),
                violation_error_message="A version must end after it starts.",
            ),
            *regime_fact_constraints("facts_"),
        ]

    def __str__(self) -> str:
        since = self.effective_from.isoformat() if self.effective_from else "the start of the claim"
        return f"Facts of claimant {self.claimant_id} from {since}"

    @property
    def group_short(self) -> str:
        """The group in a narrow table column."""
        return SHORT_GROUP_LABELS.get(self.conditionality_group, self.get_conditionality_group_display())

    def in_force_on(self, day) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day < self.effective_to
        )

    def values(self) -> dict:
        """The facts as a dict keyed like the claimant row's columns (``partner`` is the partner's id)."""
        return {
            name: (self.partner_id if name == "partner" else getattr(self, name)) for name in VERSIONED_FACTS
        }
