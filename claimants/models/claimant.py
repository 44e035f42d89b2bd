"""The claimant and their facts: identity, contact, regime facts (conditionality group, expected hours), the IWP
offer, and easements."""

from __future__ import annotations

import re
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower, Replace, Upper

from claimants.regimes.engine import Cause, ConditionalityGroup, Regime
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


def contact_problems(*, preference: str | None, email: str | None, phone: str | None) -> dict[str, str]:
    """Reminders go the way the claimant asked, which needs the address for it: ``{field: message}`` (the
    details page and the API)."""
    if preference == "email" and not email:
        return {"email": "Enter an email address, or choose another way to contact the claimant"}
    if preference in ("sms", "phone") and not phone:
        return {"phone": "Enter a phone number, or choose another way to contact the claimant"}
    return {}


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


def regime_fact_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The rules every set of regime facts keeps: on the claimant row (today's facts, no prefix) and on each
    version of them (``ClaimantFacts``, prefix "facts_")."""
    return [
        models.CheckConstraint(
            name=f"{prefix}reduced_hours_need_reason",
            condition=Q(expected_hours__gte=35) | ~Q(expected_hours_reason=""),
            violation_error_message="Give the reason when expected hours are below 35.",
        ),
        models.CheckConstraint(
            name=f"{prefix}hours_in_week",
            condition=Q(expected_hours__gte=0, expected_hours__lte=168),
            violation_error_message="Expected hours must be between 0 and 168.",
        ),
        models.CheckConstraint(
            name=f"{prefix}mif_only_self_employed",
            condition=Q(minimum_income_floor=False) | Q(self_employed=True),
            violation_error_message="The Minimum Income Floor applies only to self-employed claimants.",
        ),
        models.CheckConstraint(
            name=f"{prefix}one_kind_of_partner",
            condition=Q(partner__isnull=True) | Q(has_non_uc_partner=False),
            violation_error_message="A partner is either a claimant or not eligible for UC, not both.",
        ),
    ]


class Claimant(models.Model):
    nino = models.CharField(
        "National Insurance number", max_length=9, unique=True, validators=[validate_nino]
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    # No single-column indexes on the office, the coach, the regime, the offer status or the cycling flag (issue
    # #13): the composite indexes below lead with the office and the coach, and every index is rewritten when an
    # uprating updates a claimant's regime (seven fewer made those updates about 40% cheaper).
    jobcentre = models.ForeignKey(
        Jobcentre, on_delete=models.PROTECT, related_name="claimants", db_index=False
    )
    coach = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        help_text="The usual work coach",
        db_index=False,
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
    current_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    regime_since = models.DateField(null=True, blank=True)
    current_period_start = models.DateField(null=True, blank=True)
    regime_cycling = models.BooleanField(default=False)
    cycling_seasonal = models.BooleanField(default=False)
    cycling_marginal = models.BooleanField(default=False)
    cycling_pay_cycle = models.BooleanField(default=False)
    cycling_explanation = models.JSONField(default=list, blank=True)
    iwp_offer_status = models.CharField(
        max_length=14, choices=IwpOfferStatus.choices, default=IwpOfferStatus.NOT_ELIGIBLE
    )
    iwp_offer_eligible_since = models.DateField(null=True, blank=True)
    support_intensity = models.CharField(
        max_length=12, choices=SupportIntensity.choices, default=SupportIntensity.EIGHT_WEEKLY
    )
    # Retention (issue #15, ``claimants.retention``): the day the Universal Credit claim closed (None: open, or not
    # known — never anonymised), written only by ``claimant_close_claim``; and when the retention job replaced the
    # personal data with anonymised values (None: not anonymised).
    claim_closed_on = models.DateField("Claim closed on", null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # "Needs recalculation since" (issue #14): set in the same transaction as any change the regime depends on,
    # cleared by the recalculation. The hourly reconciliation recalculates any claimant still marked.
    regime_stale_since = models.DateTimeField(null=True, blank=True)
    regime_stale_cause = models.CharField(max_length=12, blank=True)

    # The caseload search (issue #17) compares these, not the raw columns: written by the database itself, so
    # every way a row arrives (forms, the API, the bench's COPY) keeps them right. "first last" lower-cased lets
    # a word-by-word AND of LIKE '%word%' find a name in any order; PostgreSQL indexes it with pg_trgm
    # (migration 0009), which is what makes that LIKE fast at a million claimants.
    search_name = models.GeneratedField(
        expression=Lower(Concat("first_name", Value(" "), "last_name")),
        output_field=models.TextField(),
        db_persist=True,
    )
    postcode_compact = models.GeneratedField(
        expression=Upper(Replace("postcode", Value(" "), Value(""))),
        output_field=models.CharField(max_length=10),
        db_persist=True,
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["coach", "last_name"], name="claimant_caseload_idx"),
            # An office's claimants. Not by regime as well: an indexed regime makes every regime change a non-HOT
            # update, a new entry in each of the table's indexes (migration 0022); a filter by regime reads the
            # office's few thousand rows instead.
            models.Index(fields=["jobcentre"], name="claimant_office_idx"),
            models.Index(
                fields=["regime_stale_since"],
                condition=Q(regime_stale_since__isnull=False),
                name="claimant_regime_stale_idx",
            ),
            # Search by date of birth or postcode across an office, a district or the country.
            models.Index(fields=["date_of_birth"], name="claimant_dob_idx"),
            models.Index(fields=["postcode_compact"], name="claimant_postcode_idx"),
            # The retention job's question: closed claims not yet anonymised, by closing date.
            models.Index(
                fields=["claim_closed_on"],
                condition=Q(claim_closed_on__isnull=False, anonymised_at__isnull=True),
                name="claimant_retention_due_idx",
            ),
        ]
        constraints = regime_fact_constraints("")

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
