"""The cross-cutting core: organisation (district → jobcentre → team → staff), audit log, background jobs."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class District(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Nation(models.TextChoices):
    """The UK nations by their bank holidays: England and Wales share one list; Scotland and Northern Ireland
    each have their own."""

    ENGLAND_AND_WALES = "england_wales", "England and Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Jobcentre(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="jobcentres")
    name = models.CharField(max_length=120, unique=True)
    postcode = models.CharField(max_length=10, blank=True)
    nation = models.CharField(
        max_length=20,
        choices=Nation.choices,
        default=Nation.ENGLAND_AND_WALES,
        help_text="Whose bank holidays count as non-working days (referral follow-ups, for example)",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    jobcentre = models.ForeignKey(Jobcentre, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    target_caseload = models.PositiveIntegerField(
        default=150, help_text="Claimants per work coach the team aims for (research: 100–180)."
    )

    class Meta:
        ordering = ["jobcentre__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jobcentre", "name"], name="team_name_unique_in_jobcentre")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.jobcentre.name}"


class Role(models.TextChoices):
    WORK_COACH = "work_coach", "Work coach"
    TEAM_LEADER = "team_leader", "Team leader"
    PROGRESSION_LEAD = "progression_lead", "Progression lead"
    ADMINISTRATOR = "administrator", "Administrator"


class StaffMember(AbstractUser):
    """A member of Jobcentre staff. The role decides the start page and what they may see and change.

    Work coaches and team leaders belong to a team (and so a jobcentre and district); a progression lead
    works for a district from a jobcentre office; administrators may have no office (national service).
    """

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.WORK_COACH)
    jobcentre = models.ForeignKey(
        Jobcentre, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    leads_district = models.BooleanField(
        default=False,
        help_text="A team leader above team level: the dashboard shows the whole district of their jobcentre.",
    )

    class Meta:
        verbose_name = "member of staff"
        verbose_name_plural = "staff"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                name="coach_and_leader_have_team",
                condition=Q(role__in=["progression_lead", "administrator"])
                | Q(team__isnull=False)
                | Q(is_superuser=True),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def effective_role(self) -> str:
        # A superuser created with createsuperuser has no office; treat them as an administrator.
        return Role.ADMINISTRATOR if self.is_superuser else self.role

    @property
    def district(self) -> District | None:
        return self.jobcentre.district if self.jobcentre_id else None

    @property
    def office(self) -> str:
        if self.team_id:
            return str(self.team)
        if self.jobcentre_id:
            return self.jobcentre.name
        return "National service"


class AuditVerb(models.TextChoices):
    LOGGED_IN = "logged_in", "Signed in"
    LOGGED_OUT = "logged_out", "Signed out"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"
    VIEWED_SENSITIVE = "viewed_sensitive", "Viewed sensitive information"
    REASSIGNED = "reassigned", "Reassigned"
    RECALCULATED = "recalculated", "Recalculated"
    IMPORTED = "imported", "Imported"
    EXPORTED = "exported", "Exported"
    JOB_STARTED = "job_started", "Started a background job"
    # Flexible Support Fund awards (issue #16): a decision or a payment, not just an update.
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    PAID = "paid", "Marked as paid"
    # Retention (issue #15): a claim closed, and a claimant's personal data anonymised by the retention job.
    CLAIM_CLOSED = "claim_closed", "Claim closed"
    ANONYMISED = "anonymised", "Anonymised (retention)"


class AuditIsAppendOnly(RuntimeError):
    """An audit event is never changed or deleted. The ORM refuses here; on PostgreSQL a trigger on the table
    refuses UPDATE and DELETE from any client as well (migration ``0006_audit_append_only``)."""


class AuditEventQuerySet(models.QuerySet):
    """Reads and inserts only: every way the ORM updates or deletes rows raises ``AuditIsAppendOnly``."""

    def _refuse(self, what: str):
        raise AuditIsAppendOnly(f"audit events are append-only: {what} is refused")

    def update(self, **kwargs):
        self._refuse("update()")

    def _update(self, values):  # Model.save() of an existing row and bulk_update() end here
        self._refuse("an update")

    def delete(self):
        self._refuse("delete()")

    def _raw_delete(self, using):  # the deletion collector's fast path
        self._refuse("a delete")


class AuditEvent(models.Model):
    """Who did what to which record, written in the same transaction as the change (never edited).

    The target is a generic "app_label.model" and id, not a foreign key, so deleting a record never cascades
    into its history; the actor is protected (a member of staff with audit events cannot be deleted).
    """

    actor = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    verb = models.CharField(max_length=30, choices=AuditVerb.choices)
    target_type = models.CharField(max_length=100, help_text="app_label.model of the record acted on")
    target_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # When it happened: now, unless a data load (the demo) says when its history happened; never changed after.
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_idx")]
        # Related-object lookups and deletion collectors use the guarded queryset too.
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditIsAppendOnly("audit events are append-only: saving an existing event is refused")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditIsAppendOnly("audit events are append-only: delete() is refused")


class BackgroundJobState(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def stall_minutes() -> int:
    """How long a running job may go without progress before it counts as stalled (setting, default 15)."""
    from django.conf import settings

    return getattr(settings, "IWP_JOB_STALL_MINUTES", 15)


def stall_cutoff():
    from django.utils import timezone

    return timezone.now() - timezone.timedelta(minutes=stall_minutes())


class BackgroundJob(models.Model):
    """A long Celery job with progress, so a user can watch it and an operator can resume it."""

    FINISHED_STATES = (BackgroundJobState.SUCCEEDED, BackgroundJobState.FAILED, BackgroundJobState.CANCELLED)

    kind = models.CharField(max_length=60)
    description = models.CharField(max_length=200, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        max_length=12, choices=BackgroundJobState.choices, default=BackgroundJobState.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="job_done_not_above_total", condition=Q(done__lte=models.F("total"))),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def is_stalled(self) -> bool:
        """Running with no progress for the stall time (its worker may have died)."""
        return (
            self.state == BackgroundJobState.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < stall_cutoff()
        )

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100 if self.state == BackgroundJobState.SUCCEEDED else 0
        return int(self.done * 100 / self.total)

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED_STATES


# --- Team dashboards (issue #6): coach absence, and the nightly summaries the dashboard reads ------------------


class AbsenceKind(models.TextChoices):
    HOLIDAY = "holiday", "Annual leave"
    SICKNESS = "sickness", "Sickness"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class CoachAbsence(models.Model):
    """A work coach away from work (days inclusive), and the named colleague covering their appointments."""

    coach = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="absences")
    kind = models.CharField(max_length=12, choices=AbsenceKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    covered_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="covering"
    )
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["coach", "ends_on"], name="absence_coach_idx")]
        constraints = [
            models.CheckConstraint(
                name="absence_ends_after_start",
                condition=Q(ends_on__gte=models.F("starts_on")),
                violation_error_message="The last day must be on or after the first day.",
            ),
            models.CheckConstraint(
                name="absence_cover_not_self",
                condition=Q(covered_by__isnull=True) | ~Q(covered_by=models.F("coach")),
                violation_error_message="A coach cannot cover their own absence.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach} {self.get_kind_display()} {self.starts_on} to {self.ends_on}"


class ClaimantProgress(models.Model):
    """Per-claimant progression and continuity figures, refreshed set-based by ``iwp.refresh_dashboard_summaries``
    (nightly and after an uprating): what would be too slow to work out for 60,000 claimants on every request.

    * earnings: the claimant's gross earnings (employed + self-employed) in their latest assessment period against
      the periods starting 3 and 6 calendar months earlier;
    * ``moved_up_on``: the start of the latest AP in which the regime went from Intensive Work Search to Light Touch
      or Working Enough (from the latest regime history rows);
    * ``coaches_12m``: different work coaches in the last 12 months (assignment history).
    """

    claimant = models.OneToOneField(
        "claimants.Claimant", on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    latest_period_start = models.DateField(null=True, blank=True)
    earnings_latest = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    earnings_3_months_before = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    earnings_6_months_before = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rose_3_months = models.BooleanField(default=False)
    rose_6_months = models.BooleanField(default=False)
    moved_up_on = models.DateField(null=True, blank=True)
    coaches_12_months = models.PositiveSmallIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "claimant progress"

    def __str__(self) -> str:
        return f"Progress of claimant {self.claimant_id}"


class TeamRegimeMonth(models.Model):
    """The trend chart's data: for each team, month and regime, how many of the team's claimants (by their
    current coach) had that regime in the AP starting that month, and how many moved up from Intensive Work
    Search that month. Refreshed with ``ClaimantProgress``."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month the assessment periods start in")
    regime = models.CharField(max_length=40)
    claimants = models.PositiveIntegerField(default=0)
    moved_up = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["team", "month", "regime"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month", "regime"], name="team_regime_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month} {self.regime}: {self.claimants}"


class CoachFigures(models.Model):
    """Every dashboard figure for one work coach's caseload ({figure key: count}), maintained by
    ``iwp.dashboards.services.refresh_coach_figures``: once a change to a coach's claimants commits (the services
    call ``iwp.figures.figures_changed``), every 10 minutes (beat: the safety net, and what changes with the clock
    alone), and after the nightly summary. ``refreshed_at`` is the database's time when the count began; a row is
    never replaced by an older count. The dashboard reads these rows instead of aggregating 60,000 claimants'
    appointments on every request."""

    coach = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    counts = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "coach figures"

    def __str__(self) -> str:
        return f"Figures of coach {self.coach_id} at {self.refreshed_at:%H:%M}"


class FormSubmission(models.Model):
    """A one-time form token that has been used (issue #11): a form carries a fresh token; the first submission
    that succeeds claims it in the same transaction as the change, so Back-and-resubmit or a double click makes
    one record, and the second is sent to the first one's outcome."""

    token = models.UUIDField(primary_key=True)
    submitted_by = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    outcome_url = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Form {self.token} submitted by {self.submitted_by_id}"


class TaskIntent(models.Model):
    """Work a change implies, written in the same transaction as the change (a transactional outbox, issue #14):
    if Redis or the worker is down when the change commits, the intent stays here until the relay sends it.
    ``key`` collapses repeats: while one intent with a key is waiting, another with the same key adds nothing."""

    task = models.CharField(max_length=100)  # the Celery task's registered name
    args = models.JSONField(default=list)
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="task_intent_pending_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(dispatched_at__isnull=True) & ~Q(key=""),
                name="one_waiting_intent_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({'sent' if self.dispatched_at else 'waiting'})"


class ApiToken(models.Model):
    """A key a system uses to call the REST API as one member of staff (``manage.py api_token issue``). The key is
    shown once when issued; only its SHA-256 is stored, so a copy of the database opens nothing. The key acts
    with its member of staff's role and office, and stops working when it is revoked or they are deactivated."""

    user = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=120, blank=True, help_text="What the key is for, e.g. ‘nightly report’"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="The key's first characters")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to stop the key working")

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.prefix}…)"
