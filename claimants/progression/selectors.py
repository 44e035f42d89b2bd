"""Reads for the progression plan, distance travelled and earnings progression (issue #16): what the claimant
record's cards, the plan page, the other apps' forms and the timeline show. A fixed number of queries each,
whatever the number of steps, reviews, assessments or periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from claimants.models import (
    Claimant,
    EarningsRecord,
    Employment,
    PlanReview,
    PlanStep,
    PlanStepStatus,
    ProgressionPlan,
    SelfAssessment,
)
from claimants.progression import rules
from claimants.progression.charts import distance_chart
from claimants.progression.links import StepLink, registry
from claimants.regimes.engine import assessment_period_end
from iwp.input.dates import long_date
from iwp.models import AuditEvent, AuditVerb

# --- The plan ------------------------------------------------------------------------------------------------


def plan_for(claimant: Claimant) -> ProgressionPlan | None:
    """The claimant's plan with its steps (two queries), or None."""
    return (
        ProgressionPlan.objects.filter(claimant=claimant)
        .select_related("updated_by")
        .prefetch_related(
            Prefetch("steps", queryset=PlanStep.objects.order_by("position", "target_on", "pk"))
        )
        .first()
    )


@dataclass
class StepView:
    step: PlanStep
    links: list[StepLink] = field(default_factory=list)
    overdue: bool = False
    add_links: list[tuple[str, str]] = field(default_factory=list)  # (label, url): pages that link one more


@dataclass
class PlanView:
    plan: ProgressionPlan
    steps: list[StepView]
    latest_review: PlanReview | None
    reviews: list[PlanReview]

    @property
    def open_steps(self) -> list[StepView]:
        return [s for s in self.steps if s.step.status == PlanStepStatus.TO_DO]

    @property
    def next_step(self) -> StepView | None:
        return min(self.open_steps, key=lambda s: (s.step.target_on, s.step.position), default=None)


def plan_view(
    claimant: Claimant, *, today: date | None = None, reviews: int = 1, with_add_links: bool = False
) -> PlanView | None:
    """The plan, each step with what serves it (agreed actions, referrals: one query per app), the latest
    ``reviews`` reviews, and (``with_add_links``: for a viewer who may change the plan) the pages that link one
    more item to a step. Four to six queries, whatever the number of steps or links."""
    today = today or timezone.localdate()
    plan = plan_for(claimant)
    if plan is None:
        return None
    steps = list(plan.steps.all())
    links = registry.linked([s.pk for s in steps])
    recent = list(PlanReview.objects.filter(plan=plan).select_related("reviewed_by")[:reviews])
    return PlanView(
        plan=plan,
        steps=[
            StepView(
                step=s,
                links=links.get(s.pk, []),
                overdue=s.status == PlanStepStatus.TO_DO and s.target_on < today,
                add_links=registry.add_links(s.pk) if with_add_links else [],
            )
            for s in steps
        ],
        latest_review=recent[0] if recent else None,
        reviews=recent,
    )


def open_step_choices(claimant_id: int) -> list[tuple[int, str]]:
    """(step id, "step – by 3 March 2027") for the steps still to do, for the other apps' "which step of the
    plan does this serve?" questions (one query; empty without a plan)."""
    steps = PlanStep.objects.filter(plan__claimant_id=claimant_id, status=PlanStepStatus.TO_DO).order_by(
        "position", "target_on", "pk"
    )
    return [(s.pk, f"{s.text} – by {long_date(s.target_on)}") for s in steps]


def step_in_plan_of(step_id: int, claimant_id: int) -> PlanStep | None:
    """The step, if it belongs to this claimant's plan (a stale or forged id gives None)."""
    return PlanStep.objects.filter(pk=step_id, plan__claimant_id=claimant_id).select_related("plan").first()


def step_with_claimant(step_id: int) -> PlanStep | None:
    return PlanStep.objects.filter(pk=step_id).select_related("plan__claimant").first()


# --- Distance travelled ----------------------------------------------------------------------------------------


def self_assessments(claimant: Claimant) -> list[SelfAssessment]:
    """Every self-assessment, oldest first (one query)."""
    return list(
        SelfAssessment.objects.filter(claimant=claimant)
        .select_related("recorded_by")
        .order_by("assessed_on", "pk")
    )


@dataclass
class AnswerRow:
    question: rules.Question
    cells: list[dict[str, Any]]  # per assessment shown: score, words, label


@dataclass
class Distance:
    assessments: list[SelfAssessment]
    changes: list[str]  # each total against the one before it
    chart: dict[str, Any] | None
    answers: list[AnswerRow]
    shown: list[SelfAssessment]  # the assessments the answers table shows (the latest few)

    @property
    def first(self) -> SelfAssessment | None:
        return self.assessments[0] if self.assessments else None

    @property
    def latest(self) -> SelfAssessment | None:
        return self.assessments[-1] if self.assessments else None

    @property
    def rows(self) -> list[tuple[SelfAssessment, str]]:
        return list(zip(self.assessments, self.changes, strict=True))

    @property
    def since_first(self) -> str:
        if len(self.assessments) < 2:
            return ""
        return rules.change_words(self.first.total, self.latest.total)


def distance_travelled(claimant: Claimant, *, show: int = 4) -> Distance:
    """The self-assessments with their totals over time (chart and table), and the latest ``show`` answers
    question by question with the claimant's words (one query)."""
    assessments = self_assessments(claimant)
    previous: int | None = None
    changes = []
    for a in assessments:
        changes.append(rules.change_words(previous, a.total))
        previous = a.total
    shown = assessments[-show:]
    answers = [
        AnswerRow(
            question=q,
            cells=[
                {
                    "score": a.scores.get(q.key),
                    "label": rules.answer_label(q.key, a.scores.get(q.key)),
                    "words": a.words.get(q.key, ""),
                }
                for a in shown
            ],
        )
        for q in rules.QUESTIONS
    ]
    return Distance(
        assessments=assessments,
        changes=changes,
        chart=distance_chart(assessments),
        answers=answers,
        shown=shown,
    )


# --- Earnings progression: hours and pay per assessment period ---------------------------------------------------


@dataclass(frozen=True)
class PeriodProgress:
    period_start: date
    period_end: date
    pay: Decimal
    hours: Decimal | None  # usual weekly hours of the jobs held in the period; None: not known
    hours_note: str  # "" or why the hours are not known ("hours vary", "no job recorded")
    jobs: int


def _period_end(start: date, anchor_day: int | None) -> date:
    try:
        return assessment_period_end(start, anchor_day)
    except ValueError:  # a period recorded before the assessment day changed: its own day anchors it
        return assessment_period_end(start)


def earnings_progression(claimant: Claimant, *, periods: int = 12) -> list[PeriodProgress]:
    """Gross pay (current earnings records, employed and self-employed) and usual weekly hours per assessment
    period, the last ``periods``, oldest first (two queries).

    Hours come from the claimant's jobs (``Employment``): the usual weekly hours of every job held on the
    period's last day (so a change of hours at the same employer, recorded as one job ending and the next
    starting, shows from the period it took effect in, never counted twice). A job whose hours vary (zero-hours)
    makes the period's hours unknown, as does a period with no job recorded: unknown is shown as unknown, never
    as 0. A job with no start date counts as held since before the first period.
    """
    records = list(
        EarningsRecord.objects.filter(claimant=claimant, is_current=True).order_by("-period_start")[:periods]
    )[::-1]
    jobs = list(Employment.objects.filter(claimant=claimant).only("hours_per_week", "started_on", "ended_on"))
    rows = []
    for record in records:
        end = _period_end(record.period_start, claimant.assessment_day)
        held = [
            j
            for j in jobs
            if (j.started_on is None or j.started_on <= end) and (j.ended_on is None or j.ended_on >= end)
        ]
        if not held:
            hours, note = None, "no job recorded"
        elif any(j.hours_per_week is None for j in held):
            hours, note = None, "hours vary"
        else:
            hours, note = sum((j.hours_per_week for j in held), Decimal(0)), ""
        rows.append(
            PeriodProgress(
                period_start=record.period_start,
                period_end=end,
                pay=record.employed_earnings + record.self_employed_earnings,
                hours=hours,
                hours_note=note,
                jobs=len(held),
            )
        )
    return rows


def progression_summary(rows: list[PeriodProgress]) -> str:
    """One sentence on pay and hours from the first period shown to the latest ("" with fewer than two)."""
    if len(rows) < 2:
        return ""
    first, last = rows[0], rows[-1]
    pay = last.pay - first.pay
    words = [
        f"Pay {'up' if pay > 0 else 'down' if pay < 0 else 'the same'}"
        + (f" £{abs(pay):,.2f}" if pay else "")
    ]
    if first.hours is not None and last.hours is not None:
        hours = last.hours - first.hours
        words.append(
            f"usual hours {'up' if hours > 0 else 'down' if hours < 0 else 'the same'}"
            + (f" {abs(hours).normalize():f} a week" if hours else "")
        )
    else:
        words.append("usual hours not known for both periods")
    return f"{' and '.join(words)} since the period from {long_date(first.period_start)}."


# --- For the timeline (built by another part of the record) -------------------------------------------------------


def _aware(day: date, at: datetime | None = None) -> datetime:
    """The moment to show a dated event at: when it was recorded if that was on the day, else the day's start."""
    if at is not None and timezone.localtime(at).date() == day:
        return at
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def progression_timeline_events(claimant: Claimant) -> list[dict[str, Any]]:
    """Plan created, updated and reviewed, and self-assessments recorded, newest first, as timeline entries:
    ``{"at": aware datetime, "kind": "plan" | "self_assessment", "title": str, "text": str}`` (three queries).

    Created and updated come from the plan's audit trail (each edit records what changed, in words)."""
    events: list[dict[str, Any]] = []
    plan = ProgressionPlan.objects.filter(claimant=claimant).first()
    if plan is not None:
        audit = AuditEvent.objects.filter(
            target_type=ProgressionPlan._meta.label_lower,
            target_id=str(plan.pk),
            verb__in=[AuditVerb.CREATED, AuditVerb.UPDATED],
        ).select_related("actor")
        for event in audit:
            by = f" by {event.actor}" if event.actor else ""
            if event.verb == AuditVerb.CREATED:
                events.append(
                    {
                        "at": event.at,
                        "kind": "plan",
                        "title": f"Progression plan created{by}",
                        "text": f"Goal: {plan.goal} Route: {plan.route_display}.",
                    }
                )
            else:
                changes = event.payload.get("changes") or []
                events.append(
                    {
                        "at": event.at,
                        "kind": "plan",
                        "title": f"Progression plan updated{by}",
                        "text": "; ".join(changes) + "." if changes else "Plan updated.",
                    }
                )
        for review in PlanReview.objects.filter(plan=plan).select_related("reviewed_by"):
            parts = []
            if review.steps_done:
                parts.append("Done: " + "; ".join(review.steps_done) + ".")
            if review.what_changed:
                parts.append(review.what_changed)
            events.append(
                {
                    "at": _aware(review.reviewed_on, review.recorded_at),
                    "kind": "plan",
                    "title": f"Progression plan reviewed by {review.reviewed_by}",
                    "text": " ".join(parts) or "Reviewed: no changes.",
                }
            )
    previous: int | None = None
    for a in (
        SelfAssessment.objects.filter(claimant=claimant)
        .select_related("recorded_by")
        .order_by("assessed_on", "pk")
    ):
        events.append(
            {
                "at": _aware(a.assessed_on, a.recorded_at),
                "kind": "self_assessment",
                "title": f"Self-assessment recorded by {a.recorded_by}",
                "text": f"Total {a.total} of {rules.HIGHEST_TOTAL} ({rules.change_words(previous, a.total)}).",
            }
        )
        previous = a.total
    events.sort(key=lambda e: e["at"], reverse=True)
    return events
