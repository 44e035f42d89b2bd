"""The Flexible Support Fund (issue #16): eligibility rules (reference data an administrator edits), a jobcentre's
budget for a financial year, and awards with their status, decision and outcome. The rules of the fund are in
``claimants.support_fund.rules`` (pure); these are the tables."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.models.claimant import MONEY, Claimant, RegimeChoices
from claimants.support_fund.rules import MAX_AWARD, Eligible, Outcome, Purpose, Status
from iwp.models import Jobcentre, StaffMember

SupportFundPurpose = models.TextChoices("SupportFundPurpose", [(p.name, (p.value, p.label)) for p in Purpose])
AwardStatus = models.TextChoices("AwardStatus", [(s.name, (s.value, s.label)) for s in Status])
AwardOutcome = models.TextChoices("AwardOutcome", [(o.name, (o.value, o.label)) for o in Outcome])
EligibilityChoices = models.TextChoices(
    "EligibilityChoices",
    [
        ("YES", (Eligible.YES.value, "Eligible")),
        ("NO", (Eligible.NO.value, "Not eligible")),
        ("UNKNOWN", (Eligible.UNKNOWN.value, "Not known")),
    ],
)

PENNY = Decimal("0.01")


class SupportFundRule(models.Model):
    """Who may have an award: one row per regime (every purpose), and optionally rows for a regime and one
    purpose, which win over the regime's row (a lower maximum for travel, say). A regime with no row gives
    "eligibility not known", never a default. Edited in Django admin (reference data)."""

    regime = models.CharField(max_length=40, choices=RegimeChoices.choices)
    purpose = models.CharField(
        max_length=20,
        choices=SupportFundPurpose.choices,
        blank=True,
        help_text="Leave empty for a rule that covers every purpose.",
    )
    eligible = models.BooleanField(default=True)
    maximum_amount = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(PENNY), MaxValueValidator(MAX_AWARD)],
        help_text=f"The most one award may be, in pounds (up to £{MAX_AWARD:,}). Leave empty for no lower limit.",
    )
    reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown to the work coach and the team leader when the claimant is not eligible.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["regime", "purpose"]
        verbose_name = "Flexible Support Fund rule"
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "purpose"],
                name="fsf_one_rule_per_regime_and_purpose",
                violation_error_message="There is already a rule for this regime and purpose.",
            ),
            models.CheckConstraint(
                name="fsf_rule_refusal_has_reason",
                condition=Q(eligible=True) | ~Q(reason=""),
                violation_error_message="Give the reason shown when the claimant is not eligible.",
            ),
            models.CheckConstraint(
                name="fsf_rule_maximum_positive",
                condition=Q(maximum_amount__isnull=True) | Q(maximum_amount__gt=0),
                violation_error_message="The maximum must be more than £0.",
            ),
        ]

    def __str__(self) -> str:
        what = self.get_purpose_display() if self.purpose else "every purpose"
        return f"{self.get_regime_display()}, {what}: {'eligible' if self.eligible else 'not eligible'}"


class SupportFundBudget(models.Model):
    """A jobcentre's Flexible Support Fund for one financial year (1 April to 31 March), named by the year it
    starts in. Committed and spent are never stored: they are the sums of the awards charged to it."""

    jobcentre = models.ForeignKey(Jobcentre, on_delete=models.PROTECT, related_name="support_fund_budgets")
    financial_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2020), MaxValueValidator(2098)],
        help_text="The year the financial year starts in: 2026 for April 2026 to March 2027.",
    )
    amount = models.DecimalField(
        **MONEY,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("10000000"))],
        help_text="The budget for the year, in pounds.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["jobcentre__name", "-financial_year"]
        verbose_name = "Flexible Support Fund budget"
        constraints = [
            models.UniqueConstraint(
                fields=["jobcentre", "financial_year"],
                name="fsf_one_budget_per_jobcentre_year",
                violation_error_message="This jobcentre already has a budget for that financial year.",
            ),
            models.CheckConstraint(name="fsf_budget_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.jobcentre.name}, April {self.financial_year} to March {self.financial_year + 1}"


class SupportFundAward(models.Model):
    """One request for money from the fund and what became of it. The status moves only as
    ``claimants.support_fund.rules.TRANSITIONS`` allows, through the services (each move audited)."""

    claimant = models.ForeignKey(Claimant, on_delete=models.PROTECT, related_name="support_fund_awards")
    purpose = models.CharField(max_length=20, choices=SupportFundPurpose.choices)
    amount = models.DecimalField(**MONEY)
    supplier = models.CharField(max_length=200)
    details = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=12, choices=AwardStatus.choices, default=Status.REQUESTED.value)

    requested_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    requested_on = models.DateField(help_text="The date eligibility is checked for (Europe/London)")
    # Eligibility as last checked (on request, and again when a team leader decides): the regime in force on
    # ``requested_on`` (empty: no regime decided for that date) and the reason shown.
    regime_on_request = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    eligibility = models.CharField(max_length=14, choices=EligibilityChoices.choices)
    eligibility_reason = models.CharField(max_length=300, blank=True)

    decided_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=1000, blank=True)
    awarded_on = models.DateField(null=True, blank=True, help_text="The date it was approved (Europe/London)")
    budget = models.ForeignKey(
        SupportFundBudget, on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    paid_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=60, blank=True)
    withdrawn_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Six months on (``claimants.support_fund.rules.award_outcome``), refreshed nightly; empty until approved.
    outcome = models.CharField(max_length=14, choices=AwardOutcome.choices, blank=True)
    outcome_detail = models.JSONField(default=list, blank=True)
    outcome_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "Flexible Support Fund award"
        indexes = [
            models.Index(fields=["claimant", "-requested_at"], name="fsf_award_claimant_idx"),
            models.Index(fields=["budget", "status"], name="fsf_award_budget_idx"),
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="fsf_award_waiting_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="fsf_award_amount_in_range",
                condition=Q(amount__gt=0) & Q(amount__lte=MAX_AWARD),
            ),
            models.CheckConstraint(
                name="fsf_award_charged_has_budget_and_decision",
                condition=~Q(status__in=["approved", "paid"])
                | (
                    Q(budget__isnull=False)
                    & Q(decided_by__isnull=False)
                    & Q(decided_at__isnull=False)
                    & Q(awarded_on__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="fsf_award_refusal_has_reason",
                condition=~Q(status="refused") | (Q(decided_by__isnull=False) & ~Q(decision_reason="")),
            ),
            models.CheckConstraint(
                name="fsf_award_paid_has_payment",
                condition=~Q(status="paid") | (Q(paid_by__isnull=False) & Q(paid_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="fsf_award_not_decided_by_requester",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.get_purpose_display().lower()} ({self.get_status_display()})"

    @property
    def is_charged(self) -> bool:
        return self.status in (Status.APPROVED, Status.PAID)

    @property
    def status_colour(self) -> str:
        """The GOV.UK tag colour for the status."""
        return {
            Status.REQUESTED: "yellow",
            Status.APPROVED: "blue",
            Status.PAID: "green",
            Status.REFUSED: "red",
            Status.WITHDRAWN: "grey",
        }[Status(self.status)]
