"""Providers and provision offers (a district's list), their weekly sessions, and referrals with status history.

Nothing here is hard-deleted: offers are paused or archived (with a reason), referrals are closed by a status.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from claimants.models import Weekday
from iwp.models import District, StaffMember
from provision.matching import EVENING_FROM

# What describes an offer, in the order a list shows it: the fields a lead edits, an import writes and the API
# reads (provision.services, provision.importing, provision.api build their own lists around these).
OFFER_DESCRIPTION_FIELDS = (
    "name",
    "description",
    "category",
    "barriers",
    "regimes",
    "min_age",
    "max_age",
    "ages_known",
    "other_eligibility",
    "delivery_mode",
    "self_paced",
    "sessions_known",
    "location",
    "postcode",
    "capacity",
    "places_left",
    "cost",
    "referral_route",
    "contact",
)


class Category(models.TextChoices):
    SKILLS_TRAINING = "skills_training", "Skills training"
    SKILLS_BOOTCAMP = "skills_bootcamp", "Skills bootcamp"
    ESOL = "esol", "ESOL (English language)"
    CAREERS_ADVICE = "careers_advice", "Careers advice"
    DIGITAL_SKILLS = "digital_skills", "Digital skills"
    CONFIDENCE = "confidence", "Confidence and wellbeing"
    CHILDCARE = "childcare", "Childcare support"
    FSF = "fsf", "Flexible Support Fund"
    SWAP = "swap", "Sector-based Work Academy Programme"
    EMPLOYER = "employer", "Employer programme"
    MONEY = "money", "Money and debt advice"
    OTHER = "other", "Other"
    # An imported service whose feed has no taxonomy term we can map: the lead sets it (and a re-import keeps
    # the lead's choice). Never guessed from words in the name.
    UNKNOWN = "unknown", "Not known yet"


class DeliveryMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    BLENDED = "blended", "Blended"
    PHONE = "phone", "By phone"
    HOME_VISIT = "home_visit", "Home visit"
    # "Unknown is a value" (DESIGN §7): a choice rather than NULL, so the radios, the CSV and the matcher all
    # say it in the same words and a re-import can hold it like any other value.
    UNKNOWN = "unknown", "Not known"


class ReferralRoute(models.TextChoices):
    DIRECT = "direct", "Direct referral"
    WARM_HANDOVER = "warm_handover", "Warm handover"
    SELF = "self", "Self-referral"
    UNKNOWN = "unknown", "Not known"


class OfferStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ARCHIVED = "archived", "Archived"


class Provider(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="providers")
    name = models.CharField(max_length=160)
    external_id = models.CharField(max_length=120, blank=True, help_text="Id in an imported file, if any")
    website = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="provider_name_unique_in_district")
        ]

    def __str__(self) -> str:
        return self.name


class ProvisionOffer(models.Model):
    """One entry on a district's provision list."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="provision_offers")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers")
    # Re-importing a file finds the same row by this key: "id:<external id>" when the file has one, else
    # "name:<provider>|<offer>" (case-folded), so a CSV without ids still updates rather than duplicates.
    natural_key = models.CharField(max_length=400)
    external_id = models.CharField(max_length=120, blank=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    barriers = models.JSONField(default=list, blank=True, help_text="BarrierKind values it addresses")
    # How "not known" is held, field by field (DESIGN §7, issue 12). Each form is the one its field already
    # had room for, so no existing value changes meaning: a choice for delivery mode and referral route; NULL
    # where NULL had no meaning before (cost, regimes); a flag where NULL already meant something (an empty
    # min/max age means "no limit", no sessions means "no fixed times"); an empty postcode for an offer that
    # happens somewhere means its location is not known.
    regimes = models.JSONField(
        default=list,
        null=True,
        blank=True,
        help_text="Regime values it is open to; empty means every regime; null means not known",
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    ages_known = models.BooleanField(default=True, help_text="False: the age limits are not known")
    other_eligibility = models.TextField(blank=True)
    delivery_mode = models.CharField(
        max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.IN_PERSON
    )
    self_paced = models.BooleanField(
        default=False, help_text="No fixed sessions: done in the claimant's time"
    )
    sessions_known = models.BooleanField(default=True, help_text="False: when it runs is not known")
    location = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    places_left = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="0 is free; empty means not known",
    )
    referral_route = models.CharField(
        max_length=14, choices=ReferralRoute.choices, default=ReferralRoute.DIRECT
    )
    contact = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.ACTIVE)
    archived_reason = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    last_reviewed_on = models.DateField(null=True, blank=True)
    review_by = models.DateField()
    stale_since = models.DateField(null=True, blank=True, help_text="Set by the daily staleness job")
    limbo_days = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Working days without an update before a referral counts as in limbo",
    )
    # --- Where the entry came from, and what the lead made of it (issue 12) ---------------------------------
    source = models.CharField(
        max_length=10, blank=True, help_text="csv or oruk when an import created it; empty when a lead did"
    )
    source_checked_on = models.DateField(
        null=True, blank=True, help_text="Last checked by the source (Open Referral UK assured_date)"
    )
    # The values the source last gave, per field (JSON-ready): what a re-import compares against to say what
    # the source changed, whatever the lead has done to the entry since.
    source_values = models.JSONField(default=dict, blank=True)
    # Fields the lead changed from the source's value: a re-import leaves these alone.
    lead_overrides = models.JSONField(default=list, blank=True)
    # What the latest import that changed anything changed: [{"field", "before", "after", "applied"}].
    source_changes = models.JSONField(default=list, blank=True)
    source_changed_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(
        null=True, blank=True, help_text="No longer in the source feed since this day (kept, not deleted)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["district", "status"], name="offer_district_status_idx"),
            models.Index(fields=["review_by"], condition=Q(status="active"), name="offer_review_by_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["district", "natural_key"], name="offer_natural_key_in_district"),
            models.CheckConstraint(
                name="offer_ages_in_order",
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=models.F("min_age")),
            ),
            models.CheckConstraint(
                name="offer_places_within_capacity",
                condition=Q(capacity__isnull=True)
                | Q(places_left__isnull=True)
                | Q(places_left__lte=models.F("capacity")),
            ),
            models.CheckConstraint(
                name="offer_archived_has_reason", condition=~Q(status="archived") | ~Q(archived_reason="")
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def location_known(self) -> bool:
        """Whether we know where it happens, for an offer that happens somewhere (not online, phone or at home)."""
        return bool(self.postcode) or self.delivery_mode in REMOTE_MODES


# Delivery modes that need no journey: the claimant takes part from where they are.
REMOTE_MODES = frozenset({DeliveryMode.ONLINE, DeliveryMode.PHONE, DeliveryMode.HOME_VISIT})


class ProvisionContact(models.Model):
    """A contact for an offer from an imported feed. A named person's contact (their own mailbox or name) is
    flagged and not public unless the lead says so: the published Open Referral UK feed leaves it out."""

    offer = models.ForeignKey(ProvisionOffer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=60, blank=True)
    named_person = models.BooleanField(default=False)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class ImportRun(models.Model):
    """One import of a file into a district's list, with its whole report (every line, never cut), so the
    page, the CSV download and a scheduled command all read the same record."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10)
    strict = models.BooleanField(default=False)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name or self.kind} into {self.district} at {self.at:%Y-%m-%d %H:%M}"


class Session(models.Model):
    """A weekly session of an offer; evening and weekend are derived from the day and times."""

    offer = models.ForeignKey(ProvisionOffer, on_delete=models.CASCADE, related_name="sessions")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    # A course that runs for a term: the first and last dates the weekly session runs (either may be unknown).
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="session_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
            models.CheckConstraint(
                name="session_dates_in_order",
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()[:3]} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def evening(self) -> bool:
        return self.ends_at > EVENING_FROM

    @property
    def weekend(self) -> bool:
        return self.weekday >= 5


class ReferralStatus(models.TextChoices):
    SIGNPOSTED = "signposted", "Signposted"
    REFERRED = "referred", "Referred"
    ACCEPTED = "accepted", "Accepted"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    DID_NOT_START = "did_not_start", "Did not start"


class Referral(models.Model):
    """Signposting (information given) or a referral, tracked through its status history to an end."""

    claimant = models.ForeignKey("claimants.Claimant", on_delete=models.CASCADE, related_name="referrals")
    offer = models.ForeignKey(ProvisionOffer, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=14, choices=ReferralStatus.choices)
    shared_summary = models.TextField(
        blank=True,
        help_text="What the claimant agreed to share with the provider, so they need not repeat it",
    )
    consent_to_share = models.BooleanField(default=False)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_update_on = models.DateField(help_text="The day the status last changed")
    limbo_since = models.DateField(null=True, blank=True, help_text="Set by the daily limbo job")
    follow_up_action = models.OneToOneField(
        "appointments.AgreedAction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The step of the claimant's progression plan this referral serves (issue #16); emptied if the step is removed.
    plan_step = models.ForeignKey(
        "claimants.PlanStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["claimant", "-created_at"], name="referral_claimant_idx"),
            models.Index(fields=["offer", "status"], name="referral_offer_status_idx"),
            models.Index(fields=["status", "last_update_on"], name="referral_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_summary_needs_consent",
                condition=Q(shared_summary="") | Q(consent_to_share=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} for {self.claimant} ({self.get_status_display()})"


class ReferralStatusChange(models.Model):
    """One step of a referral's history: from, to, when and who (rows, never overwritten)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=14, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=ReferralStatus.choices)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '–'} → {self.to_status} on {self.on}"


class OpenReferralKey(models.Model):
    """A read key for the district's Open Referral UK feed, held by another service (a council's directory,
    a claimant-facing finder). The key itself is shown once when issued; only its SHA-256 is stored."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="openreferral_keys")
    holder = models.CharField(max_length=160, help_text="Who holds the key, for example ‘Leeds City Council’")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="The key's first characters, to tell keys apart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to stop the key working")

    class Meta:
        verbose_name = "Open Referral UK feed key"
        ordering = ["district__name", "holder", "pk"]

    def __str__(self) -> str:
        return f"{self.holder} ({self.prefix}…)"
