"""The progression plan beside the claimant commitment, its reviews, and the distance-travelled self-assessment
(issue #16). The rules (questions, totals, "improved") live in ``claimants.progression.rules``; every write goes
through ``claimants.progression.services``.

Links to agreed actions, referrals and appointments are held by the apps above claimants (a nullable
``plan_step`` on ``appointments.AgreedAction`` and ``provision.Referral``; ``plan_review`` and
``self_assessment`` on ``appointments.Appointment``), because claimants may not know those apps.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from claimants.models.claimant import Claimant
from claimants.progression.rules import QUESTION_SET
from iwp.models import StaffMember


class PlanRoute(models.TextChoices):
    """The research's "any job, better job, career", in the claimant's words."""

    MORE_HOURS = "more_hours", "More hours with my employer"
    BETTER_JOB = "better_job", "A better-paid job"
    CAREER = "career", "A career in …"


class ProgressionPlan(models.Model):
    """One plan per claimant: their goal in their own words, the route to it, and dated steps. Edited in place
    (its history is the audit trail and the reviews); ``lock_version`` stops two people overwriting each other."""

    claimant = models.OneToOneField(Claimant, on_delete=models.CASCADE, related_name="progression_plan")
    goal = models.TextField(help_text="In the claimant's own words")
    route = models.CharField(max_length=12, choices=PlanRoute.choices)
    career_in = models.CharField(max_length=120, blank=True, help_text="For a career route: which career")
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(name="plan_has_goal", condition=~Q(goal="")),
            models.CheckConstraint(name="plan_career_named", condition=~Q(route="career") | ~Q(career_in="")),
        ]

    def __str__(self) -> str:
        return f"Progression plan of claimant {self.claimant_id}"

    @property
    def route_display(self) -> str:
        if self.route == PlanRoute.CAREER:
            return f"A career in {self.career_in}"
        return self.get_route_display()


class PlanStepStatus(models.TextChoices):
    TO_DO = "to_do", "To do"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


class PlanStep(models.Model):
    plan = models.ForeignKey(ProgressionPlan, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=300)
    target_on = models.DateField(help_text="When the step should be done by")
    status = models.CharField(max_length=8, choices=PlanStepStatus.choices, default=PlanStepStatus.TO_DO)
    done_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "target_on", "pk"]
        constraints = [
            models.CheckConstraint(name="plan_step_has_text", condition=~Q(text="")),
            models.CheckConstraint(
                name="plan_step_done_has_date",
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class PlanReview(models.Model):
    """The plan looked at again with the claimant, usually at an appointment (``appointments.Appointment``
    holds the link), with what changed."""

    plan = models.ForeignKey(ProgressionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    what_changed = models.TextField(blank=True)
    steps_done = models.JSONField(default=list, blank=True, help_text="The steps marked done at this review")

    class Meta:
        ordering = ["-reviewed_on", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["plan", "-reviewed_on"], name="plan_review_plan_idx")]

    def __str__(self) -> str:
        return f"Plan review on {self.reviewed_on}"


class SelfAssessment(models.Model):
    """One distance-travelled self-assessment: an answer from 1 to 5 to each question of ``question_set``
    (``scores``), optionally the claimant's own words per question (``words``), and the ``total`` kept as a
    column so the dashboard counts improvement in SQL."""

    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="self_assessments")
    assessed_on = models.DateField()
    question_set = models.CharField(max_length=12, default=QUESTION_SET)
    scores = models.JSONField(default=dict)
    words = models.JSONField(default=dict, blank=True)
    total = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claimant", "assessed_on", "pk"]
        indexes = [models.Index(fields=["claimant", "assessed_on"], name="self_assessment_claimant_idx")]

    def __str__(self) -> str:
        return f"Self-assessment on {self.assessed_on}: {self.total}"
