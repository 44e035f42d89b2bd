"""Demo appointments: each work coach's day has a diary, a couple of outcomes to record and agreed actions,
so the caseload page shows a real working day. Times are relative to when the demo is loaded."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from faker import Faker

from appointments.models import ActionCategory, AgreedAction, Appointment, CaseNote
from claimants.models import (
    Claimant,
    ClaimantCommitment,
    CommitmentItem,
    CommitmentStatus,
    PlanReview,
    PlanStep,
)
from iwp.demo import DemoResult
from iwp.models import Role, StaffMember

LONDON = ZoneInfo("Europe/London")
TODAY_SLOTS = [(9, 30, 20), (10, 30, 10), (11, 30, 30), (14, 0, 20), (15, 30, 10)]
NOTES = [
    "Works 16 hours at the bakery; manager may offer Saturday shifts from next month.",
    "Discussed childcare costs and the Flexible Support Fund. Wants to try a forklift licence course.",
    "Zero-hours contract: hours fell to 8 a week this month. Looking for a second job in the evenings.",
    "Has asked for more hours twice; agreed to ask in writing this time.",
]


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def _appointment(
    claimant, coach, starts_at: dt.datetime, length: int, status: str = "booked", **extra
) -> Appointment:
    return Appointment.objects.create(
        claimant=claimant,
        coach=coach,
        appointment_type=extra.pop("appointment_type", "progression_review"),
        channel=extra.pop("channel", "face_to_face"),
        starts_at=starts_at,
        length_minutes=length,
        ends_at=starts_at + dt.timedelta(minutes=length),
        notice_hours_at_booking=14 * 24,
        status=status,
        booked_by=coach,
        **extra,
    )


def build(faker: Faker, rng: random.Random, result: DemoResult) -> None:
    today = timezone.localdate()
    made = 0
    for coach in StaffMember.objects.filter(role=Role.WORK_COACH).order_by("pk"):
        claimants = list(coach.caseload.order_by("pk"))
        if len(claimants) < 4:
            continue
        rng.shuffle(claimants)
        for (hour, minute, length), claimant in zip(TODAY_SLOTS, claimants, strict=False):
            _appointment(
                claimant,
                coach,
                _at(today, hour, minute),
                length,
                channel=rng.choice(["face_to_face", "face_to_face", "phone", "video"]),
            )
            made += 1
        yesterday = today - dt.timedelta(days=1 if today.weekday() else 3)
        for claimant in claimants[-2:]:  # outcomes still to record
            _appointment(claimant, coach, _at(yesterday, 10, 0) + dt.timedelta(hours=made % 5), 20)
            made += 1
        last_week = today - dt.timedelta(days=7)
        claimant = claimants[len(claimants) // 2]
        held = _appointment(
            claimant,
            coach,
            _at(last_week, 11, 0),
            30,
            status="attended",
            outcome_recorded_by=coach,
            outcome_recorded_at=_at(last_week, 11, 35),
        )
        CaseNote.objects.create(claimant=claimant, appointment=held, author=coach, text=rng.choice(NOTES))
        # The step of the claimant's progression plan the actions serve, and the plan's review at the appointment
        # (issue #16), where the claimant has a plan (claimants.progression.demo).
        step = PlanStep.objects.filter(plan__claimant=claimant, status="to_do").order_by("position").first()
        AgreedAction.objects.create(
            claimant=claimant,
            origin_appointment=held,
            created_by=coach,
            category=ActionCategory.MORE_HOURS,
            description="Ask the manager in writing for 8 more hours a week",
            due_on=today - dt.timedelta(days=3),
            follow_up_on=today + dt.timedelta(days=4),
            plan_step=step,
        )
        AgreedAction.objects.create(
            claimant=claimant,
            origin_appointment=held,
            created_by=coach,
            category=ActionCategory.TRAINING,
            description="Apply for the evening skills bootcamp (digital)",
            due_on=today + dt.timedelta(days=10),
            plan_step=step,
        )
        if step is not None:
            held.plan_review = PlanReview.objects.create(
                plan=step.plan,
                reviewed_on=last_week,
                reviewed_by=coach,
                recorded_at=_at(last_week, 11, 35),
                what_changed="Still aiming for the same goal; agreed two actions for the next step.",
            )
            held.save(update_fields=["plan_review"])
        # Written when the outcome was recorded, as the timeline tells it (not when the demo was loaded).
        written = _at(last_week, 11, 35)
        CaseNote.objects.filter(appointment=held).update(created_at=written)
        AgreedAction.objects.filter(origin_appointment=held).update(created_at=written)
        _appointment(claimant, coach, _at(today + dt.timedelta(days=rng.randint(14, 50)), 10, 0), 30)
        made += 2
    _forward_diary_and_commitments(today)
    result.counts["appointments"] = Appointment.objects.count()


def _forward_diary_and_commitments(today: dt.date) -> None:
    """Most claimants have their next appointment booked (by support intensity) and a claimant commitment:
    accepted with a review date, a few waiting for acceptance, one or two overdue — so the caseload's sorts and
    filters have something to show. Its own random stream, so the builders after it see the same draws."""
    rng = random.Random(20261122)
    gap = {"fortnightly": (7, 14), "eight_weekly": (14, 56), "quarterly": (30, 90)}
    booked = set(
        Appointment.objects.filter(status="booked", starts_at__date__gt=today).values_list(
            "claimant_id", flat=True
        )
    )
    for claimant in Claimant.objects.filter(coach__isnull=False).select_related("coach").order_by("pk"):
        if claimant.pk not in booked and rng.random() < 0.75:
            low, high = gap.get(claimant.support_intensity, (14, 56))
            day = today + dt.timedelta(days=rng.randint(low, high))
            while day.weekday() >= 5:  # Jobcentres book weekdays
                day += dt.timedelta(days=1)
            _appointment(
                claimant,
                claimant.coach,
                _at(day, rng.choice([9, 10, 11, 14, 15]), rng.choice([0, 30])),
                rng.choice([10, 20, 30]),
                channel=rng.choice(["face_to_face", "phone", "video"]),
            )
        roll = rng.random()
        if roll < 0.2:
            continue  # no commitment yet
        waiting = roll > 0.9
        # Most of those waiting were issued this week; a few are past their 7 days.
        issued_days_ago = rng.choice([2, 3, 4, 5, 6, 12]) if waiting else rng.randint(8, 200)
        issued = today - dt.timedelta(days=issued_days_ago)
        commitment = ClaimantCommitment.objects.create(
            claimant=claimant,
            version=1,
            status=CommitmentStatus.ISSUED if waiting else CommitmentStatus.ACCEPTED,
            expected_hours=claimant.expected_hours,
            work_search_hours=Decimal(rng.choice([0, 5, 10])),
            requirements="Ask for more hours where you work now; look for better-paid work for the rest.",
            issued_at=_at(issued, 10, 0),
            accept_by=issued + dt.timedelta(days=7),
            accepted_at=None if waiting else _at(issued + dt.timedelta(days=rng.randint(0, 6)), 12, 0),
            review_due=issued + dt.timedelta(days=rng.choice([56, 91, 182])),
            created_by=claimant.coach,
        )
        CommitmentItem.objects.bulk_create(
            [
                CommitmentItem(
                    commitment=commitment,
                    side="claimant",
                    text="Ask the manager in writing for more hours",
                    by_date=issued + dt.timedelta(days=14),
                ),
                CommitmentItem(
                    commitment=commitment,
                    side="jobcentre",
                    text="Check the district provision list for evening courses",
                    by_date=issued + dt.timedelta(days=21),
                ),
            ]
        )
    # Every coach has at least one commitment waiting for the claimant's acceptance (the demo shows that state on
    # every caseload, whatever the random draws above gave).
    waiting_coaches = set(
        ClaimantCommitment.objects.filter(status=CommitmentStatus.ISSUED).values_list(
            "claimant__coach_id", flat=True
        )
    )
    for commitment in (
        ClaimantCommitment.objects.filter(status=CommitmentStatus.ACCEPTED)
        .select_related("claimant")
        .exclude(claimant__coach_id__in=waiting_coaches)
        .order_by("claimant__coach_id", "-issued_at", "pk")
    ):
        if commitment.claimant.coach_id in waiting_coaches:
            continue
        waiting_coaches.add(commitment.claimant.coach_id)
        issued = today - dt.timedelta(days=3)
        ClaimantCommitment.objects.filter(pk=commitment.pk).update(
            status=CommitmentStatus.ISSUED,
            issued_at=_at(issued, 10, 0),
            accept_by=issued + dt.timedelta(days=7),
            accepted_at=None,
        )
