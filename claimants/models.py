"""Claimants, their facts, earnings per assessment period, thresholds as data, and regime history."""

from __future__ import annotations

import re
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.regimes import Cause, ConditionalityGroup, Regime
from iwp.models import Jobcentre, StaffMember

MONEY = {"max_digits": 10, "decimal_places": 2}
HOURS = {"max_digits": 5, "decimal_places": 2}

RegimeChoices = models.TextChoices("RegimeChoices", [(r.name, (r.value, r.label)) for r in Regime])
GroupChoices = models.TextChoices("GroupChoices", [(g.name, (g.value, g.label)) for g in ConditionalityGroup])
CauseChoices = models.TextChoices("CauseChoices", [(c.name, (c.value, c.value.title())) for c in Cause])

# HMRC's National Insurance number format: two prefix letters (not D, F, I, Q, U, V; second not O; and not the
# administrative prefixes BG, GB, KN, NK, NT, TN, ZZ), six digits and a suffix A–D.
NINO_RE = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


def normalise_nino(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_nino(value: str) -> None:
    if not NINO_RE.match(normalise_nino(value)):
        raise ValidationError(
            "Enter a National Insurance number in the correct format, like AB 12 34 56 C", code="nino"
        )


def normalise_uk_phone(value: str) -> str:
    """A UK phone number in international form (+447700900123); raises ValidationError if not a valid one.

    Google's ``phonenumbers`` knows the real UK numbering plan, so "07700 900123" and "+44 7700 900123" are the
    same number and "0770" is not one.
    """
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError("Enter a UK phone number, like 07911 123456 or 0121 496 0000", code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_uk_phone(value: str) -> None:
    if value:
        normalise_uk_phone(value)


# --- Thresholds and rates: effective-dated data an administrator maintains -----------------------------------


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


# --- Claimants and their facts ------------------------------------------------------------------------------


class ContactPreference(models.TextChoices):
    JOURNAL = "journal", "Online journal"
    SMS = "sms", "Text message"
    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"


class ExpectedHoursReason(models.TextChoices):
    CARING = "caring", "Caring responsibilities"
    SCHOOL_HOURS = "school_hours", "School hours of a child under 13"
    HEALTH = "health", "Health condition or disability"
    LEAD_CARER_3_12 = "lead_carer_3_12", "Lead carer of a child aged 3 to 12 (up to 30 hours)"
    OTHER = "other", "Other (recorded in notes)"


class IwpOfferStatus(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    ELIGIBLE = "eligible", "Eligible – not yet invited"
    INVITED = "invited", "Invited"
    ONBOARDED = "onboarded", "Onboarded"
    DECLINED = "declined", "Declined"
    EXCLUDED = "excluded", "Excluded"


class SupportIntensity(models.TextChoices):
    """In-work progression trial intensities (rulebook §7); they drive the suggested next appointment."""

    FORTNIGHTLY = "fortnightly", "Frequent – every 2 weeks"
    EIGHT_WEEKLY = "eight_weekly", "Moderate – every 8 weeks"
    QUARTERLY = "quarterly", "Light – every 3 months"


class Claimant(models.Model):
    nino = models.CharField(
        "National Insurance number", max_length=9, unique=True, validators=[validate_nino]
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    jobcentre = models.ForeignKey(Jobcentre, on_delete=models.PROTECT, related_name="claimants")
    coach = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        help_text="The usual work coach",
    )
    postcode = models.CharField(max_length=10, blank=True)
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.JOURNAL
    )
    email = models.EmailField("Email address", blank=True)
    phone = models.CharField(
        "Phone number",
        max_length=20,
        blank=True,
        validators=[validate_uk_phone],
        help_text="For texts and calls",
    )
    interpreter_language = models.CharField(max_length=60, blank=True)
    digitally_excluded = models.BooleanField(default=False)
    assessment_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Day of the month each assessment period starts",
    )

    # Facts the regime engine needs.
    conditionality_group = models.CharField(
        max_length=40, choices=GroupChoices.choices, default=ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS
    )
    expected_hours = models.DecimalField(
        **HOURS, default=Decimal(35), validators=[MinValueValidator(0), MaxValueValidator(168)]
    )
    expected_hours_reason = models.CharField(max_length=20, choices=ExpectedHoursReason.choices, blank=True)
    apprentice = models.BooleanField(default=False)
    self_employed = models.BooleanField(default=False)
    minimum_income_floor = models.BooleanField(default=False, help_text="Self-employed with the MIF applied")
    partner = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Partner who is also a claimant",
    )
    # A partner not eligible for UC (reg 3(3)): their earnings are recorded on this claimant's earnings.
    has_non_uc_partner = models.BooleanField("Partner not eligible for UC", default=False)
    non_uc_partner_date_of_birth = models.DateField(null=True, blank=True)

    # Denormalised for fast lists; written only by the regime services.
    current_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True, db_index=True)
    regime_since = models.DateField(null=True, blank=True)
    current_period_start = models.DateField(null=True, blank=True)
    regime_cycling = models.BooleanField(default=False, db_index=True)
    cycling_seasonal = models.BooleanField(default=False)
    cycling_marginal = models.BooleanField(default=False)
    cycling_pay_cycle = models.BooleanField(default=False)
    cycling_explanation = models.JSONField(default=list, blank=True)
    iwp_offer_status = models.CharField(
        max_length=14, choices=IwpOfferStatus.choices, default=IwpOfferStatus.NOT_ELIGIBLE, db_index=True
    )
    iwp_offer_eligible_since = models.DateField(null=True, blank=True)
    support_intensity = models.CharField(
        max_length=12, choices=SupportIntensity.choices, default=SupportIntensity.EIGHT_WEEKLY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["coach", "last_name"], name="claimant_caseload_idx"),
            models.Index(fields=["jobcentre", "current_regime"], name="claimant_office_regime_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="reduced_hours_need_reason",
                condition=Q(expected_hours__gte=35) | ~Q(expected_hours_reason=""),
                violation_error_message="Give the reason when expected hours are below 35.",
            ),
            models.CheckConstraint(
                name="hours_in_week",
                condition=Q(expected_hours__gte=0, expected_hours__lte=168),
                violation_error_message="Expected hours must be between 0 and 168.",
            ),
            models.CheckConstraint(
                name="mif_only_self_employed",
                condition=Q(minimum_income_floor=False) | Q(self_employed=True),
                violation_error_message="The Minimum Income Floor applies only to self-employed claimants.",
            ),
            models.CheckConstraint(
                name="one_kind_of_partner",
                condition=Q(partner__isnull=True) | Q(has_non_uc_partner=False),
                violation_error_message="A partner is either a claimant or not eligible for UC, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def nino_display(self) -> str:
        n = self.nino
        return f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8:]}" if len(n) == 9 else n


class EasementKind(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    HOMELESSNESS = "homelessness", "Homelessness"
    TEMPORARY = "temporary", "Temporary circumstances"


class Easement(models.Model):
    """Requirements switched off for a time, on top of the regime (rulebook §5). Domestic abuse is restricted."""

    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="easements")
    kind = models.CharField(max_length=20, choices=EasementKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                name="easement_ends_after_start",
                condition=Q(ends_on__gte=models.F("starts_on")),
                violation_error_message="The end date must be after the start date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} easement {self.starts_on} to {self.ends_on}"

    @property
    def sensitive(self) -> bool:
        return self.kind == EasementKind.DOMESTIC_ABUSE


class EarningsSource(models.TextChoices):
    RTI = "rti", "HMRC Real Time Information"
    SELF_REPORT = "self_report", "Self-reported"
    MANUAL = "manual", "Entered by staff"


class EarningsRecord(models.Model):
    """Gross earnings received in one assessment period. A correction adds a new current row and keeps the
    old one (``superseded_at`` set), so nothing is lost."""

    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="earnings")
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

    def __str__(self) -> str:
        return f"Earnings for the assessment period from {self.period_start}: £{self.employed_earnings}"


class RegimeAssessment(models.Model):
    """One calculation of one claimant's regime for one assessment period (history; never edited)."""

    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="assessments")
    period_start = models.DateField()
    period_end = models.DateField()
    regime = models.CharField(max_length=40, choices=RegimeChoices.choices)
    partner_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    previous_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    cause = models.CharField(max_length=12, choices=CauseChoices.choices)
    employed_earnings = models.DecimalField(**MONEY)
    self_employed_earnings = models.DecimalField(**MONEY)
    household_earnings = models.DecimalField(**MONEY, null=True, blank=True)
    aet_individual = models.DecimalField(**MONEY)
    aet_couple = models.DecimalField(**MONEY, null=True, blank=True)
    cet_individual = models.DecimalField(**MONEY)
    cet_partner = models.DecimalField(**MONEY, null=True, blank=True)
    cet_household = models.DecimalField(**MONEY, null=True, blank=True)
    easement_active = models.BooleanField(default=False)
    explanation = models.JSONField(default=list)
    calculated_at = models.DateTimeField(auto_now_add=True)
    is_latest = models.BooleanField(default=True)
    background_job = models.ForeignKey(
        "iwp.BackgroundJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["claimant", "-period_start", "-calculated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claimant", "period_start"],
                condition=Q(is_latest=True),
                name="one_latest_assessment_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant_id} {self.period_start}: {self.regime}"

    @property
    def conclusion(self) -> list[str]:
        """The sentences of the explanation that state the outcome ("… so you are in the Light Touch regime"),
        for headlines and timelines; the full working stays in ``explanation``."""
        labels = {
            Regime(self.regime).label,
            Regime(self.partner_regime).label if self.partner_regime else None,
        }
        lines = [
            line for line in self.explanation if any(f"in the {label} " in line for label in labels if label)
        ]
        return lines or self.explanation[-1:]


# Casework records live in their own module to keep this one readable; Django needs them imported here.
from claimants.casework_models import (  # noqa: E402, F401
    BusyTime,
    Circumstance,
    ClaimantCommitment,
    CoachAssignment,
    CommitmentItem,
    Employment,
)
