"""Writes for the progression plan, its reviews and the self-assessment (issue #16). Keyword-only, one
transaction each, audited in the same transaction; a refusal raises ``ValidationError`` before anything is saved.

Who may call them is decided by the pages (the claimant's coach, the jobcentre's team leaders, administrators:
``claimants.record.views.may_edit``) and, for a review at an appointment, by ``appointments.services``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claimants.models import (
    Claimant,
    PlanReview,
    PlanRoute,
    PlanStep,
    PlanStepStatus,
    ProgressionPlan,
    SelfAssessment,
)
from claimants.progression import rules
from claimants.progression.rules import StepChange
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember

CONFLICT_MESSAGE = (
    "Someone else changed this plan while you were editing it. Your changes have not been saved: "
    "reload the plan to see theirs."
)


class PlanConflict(ValidationError):
    """The plan changed since the editor was loaded (optimistic locking)."""


def _route_label(route: str, career_in: str) -> str:
    if route == PlanRoute.CAREER:
        return f"A career in {career_in.strip()}"
    return PlanRoute(route).label if route in PlanRoute.values else route


def plan_save(
    *,
    claimant: Claimant,
    actor: StaffMember,
    goal: str,
    route: str,
    career_in: str = "",
    steps: Sequence[StepChange] = (),
    lock_version: int | None = None,
    today: date | None = None,
) -> tuple[ProgressionPlan, list[str]]:
    """Create the claimant's plan (``lock_version`` None) or change it (the lock version the editor was loaded
    with). Returns the plan and what changed, in words (empty: nothing did, and nothing was written)."""
    today = today or timezone.localdate()
    problems = {
        **rules.plan_problems(goal=goal, route=route, career_in=career_in, routes=PlanRoute.values),
        **rules.step_problems(steps, PlanStepStatus.values),
    }
    if problems:
        raise ValidationError(problems)
    career_in = career_in.strip() if route == PlanRoute.CAREER else ""
    with transaction.atomic():
        Claimant.objects.select_for_update().only("pk").get(pk=claimant.pk)
        plan = ProgressionPlan.objects.filter(claimant=claimant).first()
        if plan is None and lock_version is not None:
            raise PlanConflict("This plan has been removed. Reload the page.")
        if plan is not None and lock_version != plan.lock_version:
            raise PlanConflict(CONFLICT_MESSAGE)
        existing = {s.pk: s for s in plan.steps.all()} if plan else {}
        unknown = [s.step_id for s in steps if s.step_id is not None and s.step_id not in existing]
        if unknown:
            raise PlanConflict(CONFLICT_MESSAGE)
        before = (
            {"goal": plan.goal, "route": plan.route, "career_in": plan.career_in} if plan else {"goal": ""}
        )
        after = {
            "goal": goal.strip(),
            "route": route,
            "career_in": career_in,
            "route_label": _route_label(route, career_in),
        }
        steps_before = {
            pk: StepChange(text=s.text, target_on=s.target_on, status=s.status, step_id=pk)
            for pk, s in existing.items()
        }
        changes = rules.plan_changes(before, after, steps_before, steps)
        now = timezone.now()
        created = plan is None
        if created:
            plan = ProgressionPlan.objects.create(
                claimant=claimant,
                goal=goal.strip(),
                route=route,
                career_in=career_in,
                created_by=actor,
                created_at=now,
                updated_by=actor,
                updated_at=now,
            )
        elif not changes:
            return plan, []
        else:
            ProgressionPlan.objects.filter(pk=plan.pk).update(
                goal=goal.strip(),
                route=route,
                career_in=career_in,
                updated_by=actor,
                updated_at=now,
                lock_version=F("lock_version") + 1,
            )
            plan.refresh_from_db()
        _apply_steps(plan, steps, existing, today=today)
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED if created else AuditVerb.UPDATED,
            target=plan,
            payload={"claimant": claimant.pk, "changes": changes if not created else [], "route": route},
        )
    return plan, changes if not created else ["Plan created"]


def _apply_steps(
    plan: ProgressionPlan, steps: Sequence[StepChange], existing: Mapping[int, PlanStep], *, today: date
) -> None:
    position = 0
    for change in steps:
        if change.step_id is not None:
            step = existing[change.step_id]
            if change.remove:
                step.delete()  # its actions and referrals keep existing; their link is emptied (SET_NULL)
                continue
        elif change.remove or not change.text.strip():
            continue
        else:
            step = PlanStep(plan=plan)
        position += 1
        was_done = step.status == PlanStepStatus.DONE
        step.text = change.text.strip()
        step.target_on = change.target_on
        step.status = change.status
        if change.status == PlanStepStatus.DONE:
            step.done_on = step.done_on if was_done and step.done_on else today
        else:
            step.done_on = None
        step.position = position
        step.save()


def plan_review_record(
    *,
    plan: ProgressionPlan,
    actor: StaffMember,
    reviewed_on: date,
    what_changed: str = "",
    steps_done: Sequence[int] = (),
) -> PlanReview:
    """Record that the plan was reviewed with the claimant (at an appointment: the caller links it), what
    changed, and mark the steps chosen done on that day. Steps that are no longer open are left as they are."""
    what_changed = what_changed.strip()
    if len(what_changed) > 2000:
        raise ValidationError({"what_changed": "Keep what changed to 2000 characters or fewer"})
    with transaction.atomic():
        locked = ProgressionPlan.objects.select_for_update().get(pk=plan.pk)
        done = list(
            PlanStep.objects.filter(
                plan=locked, pk__in=list(steps_done), status=PlanStepStatus.TO_DO
            ).order_by("position", "pk")
        )
        for step in done:
            step.status, step.done_on = PlanStepStatus.DONE, reviewed_on
            step.save(update_fields=["status", "done_on"])
        review = PlanReview.objects.create(
            plan=locked,
            reviewed_on=reviewed_on,
            reviewed_by=actor,
            what_changed=what_changed,
            steps_done=[s.text for s in done],
        )
        # Steps changed under any editor that is open: make it reload rather than overwrite the review.
        ProgressionPlan.objects.filter(pk=locked.pk).update(lock_version=F("lock_version") + 1)
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=review,
            payload={"claimant": locked.claimant_id, "plan": locked.pk, "steps_done": [s.pk for s in done]},
        )
    return review


def self_assessment_record(
    *,
    claimant: Claimant,
    actor: StaffMember,
    assessed_on: date,
    scores: Mapping[str, int],
    words: Mapping[str, str] | None = None,
    today: date | None = None,
) -> SelfAssessment:
    """Keep one distance-travelled self-assessment: every question answered 1–5, the claimant's own words where
    given. Its total is counted by the team dashboard's distance-travelled figure, recounted once this commits."""
    today = today or timezone.localdate()
    words = {k: v.strip() for k, v in (words or {}).items() if v and v.strip()}
    problems = rules.answer_problems(scores, words)
    if assessed_on > today:
        problems["assessed_on"] = "The date of the self-assessment must be today or in the past"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        assessment = SelfAssessment.objects.create(
            claimant=claimant,
            assessed_on=assessed_on,
            question_set=rules.QUESTION_SET,
            scores={key: int(scores[key]) for key in rules.QUESTION_KEYS},
            words=words,
            total=rules.total(scores),
            recorded_by=actor,
        )
        # The answers stay out of the audit log (one is about health); who, when and the total are enough.
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=assessment,
            payload={
                "claimant": claimant.pk,
                "assessed_on": assessed_on.isoformat(),
                "total": assessment.total,
            },
        )
        figures_changed(claimant_ids=[claimant.pk])
    return assessment
