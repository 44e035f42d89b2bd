"""Cover for an absent work coach: their booked appointments in the absence move to a named colleague, so the
colleague's diary shows them (issue #6). One transaction, one audit event per appointment moved."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from appointments.models import Appointment
from appointments.rules import Status
from appointments.selectors import local_day_bounds
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember


def appointments_cover(
    *, coach: StaffMember, covered_by: StaffMember, first_day: date, last_day: date, actor: StaffMember
) -> list[int]:
    """Move ``coach``'s booked appointments starting on ``first_day`` … ``last_day`` (local days) to
    ``covered_by``. Returns the ids moved."""
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(last_day)
    with transaction.atomic():
        moving = list(
            Appointment.objects.select_for_update()
            .filter(coach=coach, status=Status.BOOKED, starts_at__gte=start, starts_at__lt=end)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
        )
        Appointment.objects.filter(pk__in=moving).update(coach=covered_by)
        for pk in moving:
            audit_record(
                actor=actor,
                verb=AuditVerb.REASSIGNED,
                target_type="appointments.appointment",
                target_id=pk,
                payload={"from": coach.pk, "to": covered_by.pk, "reason": "cover for absence"},
            )
        if moving:
            figures_changed([coach.pk, covered_by.pk])  # one recount for the whole set-based move
    return moving
