"""Casework facts about a claimant (issue #4): employment and working pattern, caring hours, circumstances and
barriers (sensitive ones restricted), coach assignment history, and the versioned claimant commitment with its
support plan. Imported into ``claimants.models`` so Django finds them."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q

from iwp.models import StaffMember

HOURS = {"max_digits": 5, "decimal_places": 2}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ContractType(models.TextChoices):
    PERMANENT = "permanent", "Permanent"
    FIXED_TERM = "fixed_term", "Fixed term"
    ZERO_HOURS = "zero_hours", "Zero-hours"
    SEASONAL = "seasonal", "Seasonal"
    AGENCY = "agency", "Agency"
    APPRENTICESHIP = "apprenticeship", "Apprenticeship"
    SELF_EMPLOYED = "self_employed", "Self-employed"


class PayFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    FOUR_WEEKLY = "four_weekly", "Every 4 weeks"
    MONTHLY = "monthly", "Monthly"


class Employment(models.Model):
    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="employments")
    employer = models.CharField(max_length=120)
    sector = models.CharField(max_length=80, blank=True)
    contract_type = models.CharField(max_length=20, choices=ContractType.choices)
    hours_per_week = models.DecimalField(
        **HOURS, null=True, blank=True, help_text="Usual hours; empty if they vary"
    )
    hourly_pay = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    pay_frequency = models.CharField(
        max_length=12, choices=PayFrequency.choices, default=PayFrequency.MONTHLY
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "employer"]
        constraints = [
            models.CheckConstraint(
                name="employment_hours_in_week",
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gte=0, hours_per_week__lte=168),
            ),
            models.CheckConstraint(
                name="employment_pay_not_negative",
                condition=Q(hourly_pay__isnull=True) | Q(hourly_pay__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} ({self.get_contract_type_display()})"


class BusyTime(models.Model):
    """A regular weekly time the claimant cannot attend: a shift (with its employment) or caring (school run)."""

    class Kind(models.TextChoices):
        WORK = "work", "Work shift"
        CARING = "caring", "Caring"

    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="busy_times")
    employment = models.ForeignKey(
        Employment, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    description = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="busy_time_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class BarrierKind(models.TextChoices):
    CHILDCARE = "childcare", "Childcare"
    CARING = "caring", "Caring responsibilities"
    HEALTH = "health", "Health condition or disability"
    TRANSPORT = "transport", "Transport"
    ESOL = "esol", "English language (ESOL)"
    CONFIDENCE = "confidence", "Confidence"
    SKILLS = "skills", "Skills or qualifications"
    AGE_50_PLUS = "age_50_plus", "Aged 50 or over"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


# Kinds that are always sensitive (restricted and audited on every view), whatever the coach ticks.
SENSITIVE_BARRIERS = (BarrierKind.HEALTH, BarrierKind.DOMESTIC_ABUSE)


class Circumstance(models.Model):
    """A circumstance or barrier to progression. Sensitive ones show only on request, and each view is audited."""

    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="circumstances")
    kind = models.CharField(max_length=16, choices=BarrierKind.choices)
    detail = models.TextField(blank=True)
    sensitive = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                name="health_and_abuse_are_sensitive",
                condition=~Q(kind__in=["health", "domestic_abuse"]) | Q(sensitive=True),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class CoachAssignment(models.Model):
    """Who was the claimant's work coach, when (history rows, never overwritten)."""

    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="coach_history")
    coach = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    unassigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    handover_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claimant"],
                condition=Q(unassigned_at__isnull=True),
                name="one_open_assignment_per_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach} from {self.assigned_at:%d %b %Y}"


class CommitmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued – waiting for acceptance"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Replaced by a newer version"


ACCEPT_WITHIN = timedelta(days=7)  # online claimants have 7 days to accept (rulebook §7)


class ClaimantCommitment(models.Model):
    """One version of the claimant commitment. A change makes a new version; old versions stay readable.

    ``lock_version`` guards against two people editing the same version at once (optimistic locking).
    """

    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="commitments")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=CommitmentStatus.choices, default=CommitmentStatus.DRAFT)
    expected_hours = models.DecimalField(**HOURS)
    expected_hours_reason = models.CharField(max_length=200, blank=True)
    work_search_hours = models.DecimalField(**HOURS, default=0)
    requirements = models.TextField(help_text="Tailored requirements in plain words", blank=True)
    easements_note = models.TextField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    accept_by = models.DateField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["claimant", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["claimant", "version"], name="commitment_version_unique"),
            # The version in force and a draft of the next one may exist side by side, one of each at most.
            models.UniqueConstraint(
                fields=["claimant"],
                condition=Q(status__in=["issued", "accepted"]),
                name="one_in_force_commitment_per_claimant",
            ),
            models.UniqueConstraint(
                fields=["claimant"],
                condition=Q(status="draft"),
                name="one_draft_commitment_per_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"Claimant commitment v{self.version}"


class CommitmentItem(models.Model):
    """A line of the commitment: a specific action for the claimant, or what the Jobcentre will provide."""

    class Side(models.TextChoices):
        CLAIMANT_ACTION = "claimant", "The claimant will"
        SUPPORT_PLAN = "jobcentre", "The Jobcentre will"

    commitment = models.ForeignKey(ClaimantCommitment, on_delete=models.CASCADE, related_name="items")
    side = models.CharField(max_length=10, choices=Side.choices)
    text = models.CharField(max_length=300)
    by_date = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["side", "by_date", "pk"]

    def __str__(self) -> str:
        return self.text
