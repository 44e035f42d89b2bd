"""Appointments and their outcomes, contact attempts, good-reason decisions, agreed actions, case notes and
reminders. No behaviour in ``save()``: every write goes through ``appointments.services``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from appointments.rules import CANCELLED_STATUSES, GOOD_REASON_LABELS, LENGTHS, STATUS_REGISTRY, GoodReason
from claimants.models import Claimant, ContactPreference
from iwp.models import StaffMember

AppointmentStatus = models.TextChoices(
    "AppointmentStatus", [(s.name, (s.value, d.label)) for s, d in STATUS_REGISTRY.items()]
)
GoodReasonDecisionChoices = models.TextChoices(
    "GoodReasonDecisionChoices", [(g.name, (g.value, GOOD_REASON_LABELS[g])) for g in GoodReason]
)


class AppointmentType(models.TextChoices):
    INITIAL_IWP = "initial_iwp", "Initial in-work progression appointment"
    PROGRESSION_REVIEW = "progression_review", "Progression review"
    WORK_SEARCH_REVIEW = "work_search_review", "Work search review"
    COMMITMENT_REVIEW = "commitment_review", "Claimant commitment review"
    QUARTERLY_FOLLOW_UP = "quarterly_follow_up", "Quarterly follow-up"
    OTHER = "other", "Other"


class Channel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"


LengthChoices = models.IntegerChoices("LengthChoices", [(f"MIN_{n}", (n, f"{n} minutes")) for n in LENGTHS])


class Appointment(models.Model):
    claimant = models.ForeignKey(Claimant, on_delete=models.PROTECT, related_name="appointments")
    coach = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.CharField(max_length=24, choices=AppointmentType.choices)
    channel = models.CharField(max_length=14, choices=Channel.choices)
    starts_at = models.DateTimeField()
    length_minutes = models.PositiveSmallIntegerField(choices=LengthChoices.choices)
    # Denormalised (starts_at + length), written by the booking service: overlap and "unrecorded" queries.
    ends_at = models.DateTimeField()
    private_room = models.BooleanField("Private room requested", default=False)
    notice_hours_at_booking = models.IntegerField(help_text="Whole hours between booking and the start")
    short_notice_consent = models.BooleanField(
        default=False, help_text="The claimant agreed to less than the minimum notice"
    )
    consent_recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=AppointmentStatus.choices, default="booked")
    booked_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)
    rebooked_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rebookings"
    )
    cancelled_reason = models.CharField(max_length=300, blank=True)
    clash_override_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it was booked despite the warnings shown"
    )
    overridden_warnings = models.JSONField(default=list, blank=True)
    outcome_recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    # The progression plan reviewed and the self-assessment recorded at this appointment (issue #16). Held here
    # because claimants, below appointments, may not know appointments.
    plan_review = models.OneToOneField(
        "claimants.PlanReview", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    self_assessment = models.OneToOneField(
        "claimants.SelfAssessment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["coach", "starts_at"], name="appt_coach_diary_idx"),
            models.Index(fields=["claimant", "starts_at"], name="appt_claimant_idx"),
            models.Index(
                fields=["coach", "ends_at"], condition=Q(status="booked"), name="appt_unrecorded_idx"
            ),
            models.Index(fields=["starts_at"], condition=Q(status="booked"), name="appt_reminder_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="appt_length_allowed", condition=Q(length_minutes__in=list(LENGTHS))),
            models.CheckConstraint(
                name="appt_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
            models.CheckConstraint(
                name="appt_status_known", condition=Q(status__in=[s.value for s in STATUS_REGISTRY])
            ),
            models.CheckConstraint(
                name="appt_consent_recorded_with_who_and_when",
                condition=Q(short_notice_consent=False, consent_recorded_by__isnull=True)
                | Q(
                    short_notice_consent=True,
                    consent_recorded_by__isnull=False,
                    consent_recorded_at__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="appt_cancellation_has_reason",
                condition=~Q(status__in=[s.value for s in CANCELLED_STATUSES]) | ~Q(cancelled_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_appointment_type_display()} on {self.starts_at:%d %b %Y %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.status == "booked"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    JOURNAL = "journal", "Journal message"
    LETTER = "letter", "Letter"


class ContactAttempt(models.Model):
    """An attempt to reach a claimant who did not come, kept as a row (research row 7)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="contact_attempts")
    at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=ContactMethod.choices)
    result = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appointment", "at", "pk"]
        constraints = [models.CheckConstraint(name="contact_attempt_has_result", condition=~Q(result=""))]

    def __str__(self) -> str:
        return f"{self.get_method_display()} at {self.at:%d %b %Y %H:%M}: {self.result}"


class GoodReasonDecision(models.Model):
    """Whether the claimant had a good reason for missing the appointment, and why (research row 7)."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="good_reason_decisions"
    )
    decision = models.CharField(max_length=16, choices=GoodReasonDecisionChoices.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["appointment", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="good_reason_decision_has_reason",
                condition=Q(decision="not_yet_decided") | ~Q(reason=""),
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_display()


class ActionCategory(models.TextChoices):
    """The "standard sequence" of in-work progression (research row 8)."""

    MORE_HOURS = "more_hours", "Ask employer for more hours"
    ADDITIONAL_WORK = "additional_work", "Apply for additional work"
    TRAINING = "training", "Training or upskilling"
    CHILDCARE = "childcare", "Childcare"
    OTHER = "other", "Other"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"


class AgreedAction(models.Model):
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="agreed_actions")
    origin_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="agreed_actions"
    )
    category = models.CharField(max_length=20, choices=ActionCategory.choices)
    description = models.CharField(max_length=300)
    due_on = models.DateField()
    follow_up_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The step of the claimant's progression plan this action serves (issue #16); emptied if the step is removed.
    plan_step = models.ForeignKey(
        "claimants.PlanStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["claimant", "status", "due_on"], name="action_claimant_idx"),
            models.Index(fields=["due_on"], condition=Q(status="open"), name="action_open_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="action_completed_when_closed",
                condition=Q(status="open", completed_on__isnull=True)
                | (~Q(status="open") & Q(completed_on__isnull=False)),
            ),
            models.CheckConstraint(name="action_has_description", condition=~Q(description="")),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description}"


class CaseNote(models.Model):
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="case_notes")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="case_notes"
    )
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["claimant", "-created_at"], name="case_note_claimant_idx")]
        constraints = [models.CheckConstraint(name="case_note_has_text", condition=~Q(text=""))]

    def __str__(self) -> str:
        return f"Note by {self.author} on {self.created_at:%d %b %Y}"


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment in the next 24 hours"
    OVERDUE_ACTION = "overdue_action", "Agreed action overdue"
    COMMITMENT_NOT_ACCEPTED = "commitment_not_accepted", "Claimant commitment not accepted"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to go"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    TO_SEND = "to_send", "To send by hand"  # SMS, phone and letter: staff send these (recorded, not sent)
    WITHDRAWN = "withdrawn", "No longer needed"
    FAILED = "failed", "Could not be sent"


class Reminder(models.Model):
    """One reminder to a claimant. ``(kind, target_id)`` is unique: the same reminder can never exist twice."""

    kind = models.CharField(max_length=24, choices=ReminderKind.choices)
    target_id = models.PositiveBigIntegerField(help_text="The appointment, agreed action or commitment")
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=10, choices=ContactPreference.choices)
    due_at = models.DateTimeField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target_id"], name="one_reminder_per_kind_and_target"),
            models.CheckConstraint(
                name="reminder_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.target_id} by {self.get_channel_display()}"
