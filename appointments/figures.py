"""What appointments contributes to the team dashboards (``iwp.dashboards.selectors``): the week's appointments, outcomes
still to record, failures to attend waiting for a good-reason decision, overdue agreed actions, and continuity
(share of appointments held in the period with the claimant's usual coach). One aggregate query per group,
grouped by the claimant's coach; counts of claimants match the caseload filters the numbers link to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q

from appointments.models import ActionStatus, AgreedAction, Appointment, GoodReasonDecision
from appointments.rules import GoodReason, Status
from appointments.selectors import local_day_bounds
from iwp.figures import Counts, DashboardPeriod, Figure, FigureGroup, FigureRegistry

WEEK_STATUSES = [Status.BOOKED, Status.ATTENDED, Status.LATE, Status.FAILED_TO_ATTEND]
HELD_STATUSES = [Status.ATTENDED, Status.LATE]


def appointment_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    monday = period.today - timedelta(days=period.today.weekday())
    week_start, _ = local_day_bounds(monday)
    _, week_end = local_day_bounds(monday + timedelta(days=6))
    first_since, _ = local_day_bounds(period.since(max(period.choices)))
    decided = GoodReasonDecision.objects.filter(appointment=OuterRef("pk")).exclude(
        decision=GoodReason.NOT_YET_DECIDED
    )
    this_week = Q(starts_at__gte=week_start, starts_at__lt=week_end, status__in=WEEK_STATUSES)
    unrecorded = Q(status=Status.BOOKED, ends_at__lte=period.now)
    fta = Q(status=Status.FAILED_TO_ATTEND)
    held = Q(status__in=HELD_STATUSES, starts_at__gte=first_since, starts_at__lt=period.now)
    held_in = {}
    for months in period.choices:
        since, _ = local_day_bounds(period.since(months))
        in_period = Q(status__in=HELD_STATUSES, starts_at__gte=since, starts_at__lt=period.now)
        held_in[f"held_{months}"] = Count("pk", filter=in_period)
        held_in[f"held_usual_coach_{months}"] = Count(
            "pk", filter=in_period & Q(coach_id=F("claimant__coach_id"))
        )
    rows = (
        Appointment.objects.filter(claimant__coach_id__in=coach_ids)
        .filter(this_week | unrecorded | fta | held)
        .values("claimant__coach_id")
        .annotate(
            this_week=Count("claimant_id", distinct=True, filter=this_week),
            unrecorded=Count("claimant_id", distinct=True, filter=unrecorded),
            fta_undecided=Count("claimant_id", distinct=True, filter=fta & ~Exists(decided)),
            **held_in,
        )
        .order_by()
    )
    return {row.pop("claimant__coach_id"): row for row in rows}


def action_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    rows = (
        AgreedAction.objects.filter(
            claimant__coach_id__in=coach_ids, status=ActionStatus.OPEN, due_on__lt=period.today
        )
        .values("claimant__coach_id")
        .annotate(overdue_action_claimants=Count("claimant_id", distinct=True), overdue_actions=Count("pk"))
        .order_by()
    )
    return {row.pop("claimant__coach_id"): row for row in rows}


def register(registry: FigureRegistry) -> None:

    registry.add_group(
        FigureGroup(
            key="appointments",
            title="Appointments",
            position=20,
            counts=appointment_counts,
            figures=(
                Figure(
                    "this_week",
                    "Claimants with an appointment this week",
                    link={"show": "appointment_this_week"},
                ),
                Figure(
                    "unrecorded",
                    "Unrecorded outcomes",
                    link={"show": "unrecorded_outcomes"},
                ),
                Figure(
                    "fta_undecided",
                    "Failed to attend, good-reason decision needed",
                    link={"show": "fta_awaiting_decision"},
                ),
            ),
        )
    )
    registry.add_group(
        FigureGroup(
            key="actions",
            title="Agreed actions",
            position=25,
            counts=action_counts,
            figures=(
                Figure(
                    "overdue_action_claimants",
                    "Claimants with overdue agreed actions",
                    link={"show": "overdue_actions"},
                ),
                Figure(
                    "overdue_actions",
                    "Overdue agreed actions",
                    link={"show": "overdue_actions", "sort": "overdue_actions"},
                ),
            ),
        )
    )
    registry.add_group(
        FigureGroup(
            key="continuity",
            title="Continuity of coach",
            position=45,
            counts=lambda coach_ids, period: {},  # computed with the appointments group (same query)
            figures=(
                Figure("held_{months}", "Appointments held in the period", link=None),
                Figure(
                    "held_usual_coach_{months}",
                    "Held with the claimant's usual coach",
                    link=None,
                    of="held_{months}",
                ),
                Figure(
                    "many_coaches",
                    "Claimants with 3 or more work coaches in 12 months",
                    link={"show": "many_coaches"},
                    nightly=True,
                ),
            ),
        )
    )
