"""What appointments adds to the caseload page: next appointment and overdue actions as columns (and sort
orders), and "show only" filters for the work a coach has to do. Registered in ``AppointmentsConfig.ready``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import DateTimeField, Exists, IntegerField, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from appointments.models import ActionStatus, Appointment, GoodReasonDecision
from appointments.rules import GoodReason, Status
from appointments.selectors import local_day_bounds
from claimants.record.caseload import CaseloadColumn, CaseloadFilter, per_claimant, registry


def _next_appointment(today: date) -> dict[str, Any]:
    # The soonest booked start, read from the (claimant, starts_at) index.
    sql = (
        "(SELECT starts_at FROM appointments_appointment WHERE claimant_id = {claimant} "
        "AND status = %s AND starts_at >= %s ORDER BY starts_at LIMIT 1)"
    )
    return {"next_appointment_at": per_claimant(sql, (Status.BOOKED.value, timezone.now()), DateTimeField())}


def _overdue_actions(today: date) -> dict[str, Any]:
    sql = (
        "(SELECT count(*) FROM appointments_agreedaction WHERE claimant_id = {claimant} "
        "AND status = %s AND due_on < %s)"
    )
    return {"overdue_actions": per_claimant(sql, (ActionStatus.OPEN.value, today), IntegerField())}


def _this_week(today: date) -> Exists:
    # Monday to Sunday of the current week, in local (London) days.
    monday = today - timedelta(days=today.weekday())
    start, _ = local_day_bounds(monday)
    _, end = local_day_bounds(monday + timedelta(days=6))
    return Exists(
        Appointment.objects.filter(
            claimant=OuterRef("pk"),
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[Status.BOOKED, Status.ATTENDED, Status.LATE, Status.FAILED_TO_ATTEND],
        )
    )


def _unrecorded(today: date) -> Exists:
    return Exists(
        Appointment.objects.filter(claimant=OuterRef("pk"), status=Status.BOOKED, ends_at__lte=timezone.now())
    )


def _fta_awaiting_decision(today: date) -> Exists:
    decided = GoodReasonDecision.objects.filter(appointment=OuterRef("pk")).exclude(
        decision=GoodReason.NOT_YET_DECIDED
    )
    return Exists(
        Appointment.objects.filter(claimant=OuterRef("pk"), status=Status.FAILED_TO_ATTEND).exclude(
            Exists(decided)
        )
    )


def _next_appointment_cell(c: Any, today: date) -> str:
    if c.next_appointment_at:
        return date_format(localtime(c.next_appointment_at), "D j M, H:i")
    return mark_safe('<strong class="govuk-tag govuk-tag--grey">None booked</strong>')


def _overdue_actions_cell(c: Any, today: date) -> str:
    if c.overdue_actions:
        return format_html('<strong class="govuk-tag govuk-tag--red">{} overdue</strong>', c.overdue_actions)
    return "–"


def register() -> None:
    registry.add_column(
        CaseloadColumn(
            key="next_appointment",
            heading="Next appointment",
            annotations=_next_appointment,
            order_by=("next_appointment_at",),
            cell=_next_appointment_cell,
            sort_label="Next appointment (soonest first)",
            position=10,
        )
    )
    registry.add_column(
        CaseloadColumn(
            key="overdue_actions",
            heading="Overdue actions",
            annotations=_overdue_actions,
            order_by=("overdue_actions",),
            cell=_overdue_actions_cell,
            descending=True,
            sort_label="Most overdue actions",
            position=20,
        )
    )
    registry.add_filter(
        CaseloadFilter(
            "overdue_actions", "Overdue actions", lambda today: Q(overdue_actions__gt=0), _overdue_actions
        )
    )
    registry.add_filter(
        CaseloadFilter(
            "no_appointment",
            "No appointment booked",
            lambda today: Q(next_appointment_at__isnull=True),
            _next_appointment,
        )
    )
    registry.add_filter(CaseloadFilter("appointment_this_week", "Appointment this week", _this_week))
    registry.add_filter(CaseloadFilter("unrecorded_outcomes", "Outcome not recorded", _unrecorded))
    registry.add_filter(
        CaseloadFilter("fta_awaiting_decision", "Failed to attend, decision needed", _fta_awaiting_decision)
    )
