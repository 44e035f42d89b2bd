"""Demo progression plans and self-assessments (issue #16), called from ``claimants.demo.build``: about half the
claimants have a plan (goal in their words, a route, dated steps, some done) and most of those two or three
self-assessments over the last five months, mostly improving, so the record's cards and the dashboard's
distance-travelled figure show something real. Some "more hours" claimants had fewer hours at the same employer
until three months ago, so hours move in their earnings progression. Its own random stream, so the builders
after it see the same draws as before."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from claimants.models import (
    Claimant,
    Employment,
    PlanRoute,
    PlanStep,
    PlanStepStatus,
    ProgressionPlan,
    SelfAssessment,
)
from claimants.progression import rules
from iwp.models import AuditEvent, AuditVerb

PLANS = {
    PlanRoute.MORE_HOURS: (
        "",
        [
            "I want 30 hours a week at {employer} so I'm not short at the end of every month.",
            "More hours where I am now. I like the job, I just need more of it.",
        ],
        [
            "Ask my manager in writing for Saturday shifts",
            "Check the rota for the new year and ask for the extra shift",
            "Be on 30 hours a week",
        ],
    ),
    PlanRoute.BETTER_JOB: (
        "",
        [
            "A job that pays more than minimum wage, closer to home, so I'm not on two buses.",
            "I want a better-paid job with proper hours, not zero-hours.",
        ],
        [
            "Update my CV with the digital skills course",
            "Apply for three warehouse team leader jobs",
            "Go to the jobs fair at the library",
        ],
    ),
    PlanRoute.CAREER: (
        "care work",
        [
            "I want a proper career in care, not just agency shifts.",
            "Work towards being a senior carer in the next two years.",
        ],
        [
            "Start the Level 2 Adult Care certificate",
            "Shadow a senior carer for a day",
            "Apply for a senior carer role",
        ],
    ),
}
# How the answers move between assessments: most improve, a few stay the same or slip.
TRENDS = ["up", "up", "up", "up", "flat", "down"]


def _scores(base: list[int]) -> dict[str, int]:
    return {q.key: max(1, min(5, score)) for q, score in zip(rules.QUESTIONS, base, strict=True)}


def build(*, claimants: list[Claimant], today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    rng = random.Random(16)
    plans = assessments = 0
    employers = {
        e.claimant_id: e for e in Employment.objects.filter(claimant__in=claimants, ended_on__isnull=True)
    }
    steps: list[PlanStep] = []
    rows: list[SelfAssessment] = []
    audit: list[tuple[ProgressionPlan, dt.datetime]] = []
    for claimant in claimants:
        if claimant.coach_id is None:
            continue
        roll = rng.random()
        job = employers.get(claimant.pk)
        if roll < 0.5:
            route = rng.choice(list(PLANS))
            career_in, goals, texts = PLANS[route]
            created = timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=rng.randint(120, 170)), dt.time(10, 30))
            )
            plan = ProgressionPlan.objects.create(
                claimant=claimant,
                goal=rng.choice(goals).format(employer=job.employer if job else "work"),
                route=route,
                career_in=career_in,
                created_by=claimant.coach,
                created_at=created,
                updated_by=claimant.coach,
                updated_at=created,
            )
            audit.append((plan, created))
            plans += 1
            done = rng.choice([0, 1, 1, 2])
            for n, text in enumerate(texts):
                target = created.date() + dt.timedelta(days=(50, 150, 260)[n])
                is_done = n < done
                steps.append(
                    PlanStep(
                        plan=plan,
                        text=text,
                        target_on=target,
                        status=PlanStepStatus.DONE if is_done else PlanStepStatus.TO_DO,
                        done_on=min(target, today) - dt.timedelta(days=3) if is_done else None,
                        position=n + 1,
                    )
                )
            if route == PlanRoute.MORE_HOURS and job and job.hours_per_week and job.hours_per_week > 12:
                # The extra hours came three months ago: the earlier hours stay as a job that ended then.
                changed = today - dt.timedelta(days=95)
                Employment.objects.create(
                    claimant=claimant,
                    employer=job.employer,
                    sector=job.sector,
                    contract_type=job.contract_type,
                    hours_per_week=job.hours_per_week - 8,
                    hourly_pay=job.hourly_pay,
                    pay_frequency=job.pay_frequency,
                    started_on=job.started_on,
                    ended_on=changed - dt.timedelta(days=1),
                )
                job.started_on = changed
                job.save(update_fields=["started_on"])
        if roll < 0.45 or 0.5 <= roll < 0.65:
            trend = rng.choice(TRENDS)
            base = [rng.randint(1, 4) for _ in rules.QUESTIONS]
            days = rng.choice([[150, 80, 10], [150, 80, 10], [170, 100, 20], [75, 12]])
            for n, ago in enumerate(days):
                shift = {"up": n, "flat": 0, "down": -n}[trend]
                scores = _scores([b + shift + rng.choice([0, 0, 1]) * (trend == "up") for b in base])
                words = {}
                if n == 0 and rng.random() < 0.5:
                    words["confidence"] = "Nervous about asking my manager."
                if n == len(days) - 1 and trend == "up":
                    words["confidence"] = "Feel like I can ask now."
                day = today - dt.timedelta(days=ago)
                rows.append(
                    SelfAssessment(
                        claimant=claimant,
                        assessed_on=day,
                        scores=scores,
                        words=words,
                        total=rules.total(scores),
                        recorded_by=claimant.coach,
                        recorded_at=timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0))),
                    )
                )
                assessments += 1
    PlanStep.objects.bulk_create(steps)
    SelfAssessment.objects.bulk_create(rows)
    for plan, created in audit:
        AuditEvent.objects.create(
            at=created,
            actor=plan.created_by,
            verb=AuditVerb.CREATED,
            target_type=ProgressionPlan._meta.label_lower,
            target_id=str(plan.pk),
            payload={"claimant": plan.claimant_id, "changes": [], "route": plan.route, "demo": True},
        )
    return {"progression plans": plans, "self-assessments": assessments}
