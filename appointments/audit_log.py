"""The events about a claimant's appointments, outcomes, agreed actions, notes and reminders, for the audit page's
claimant filter (``iwp.audit_log``)."""

from __future__ import annotations

from appointments.models import (
    AgreedAction,
    Appointment,
    CaseNote,
    ContactAttempt,
    GoodReasonDecision,
    Reminder,
)
from iwp import audit_log


def register() -> None:
    audit_log.register_claimant_events(
        audit_log.claimant_records(
            lambda pk: Appointment.objects.filter(claimant_id=pk),
            lambda pk: ContactAttempt.objects.filter(appointment__claimant_id=pk),
            lambda pk: GoodReasonDecision.objects.filter(appointment__claimant_id=pk),
            lambda pk: AgreedAction.objects.filter(claimant_id=pk),
            lambda pk: CaseNote.objects.filter(claimant_id=pk),
            lambda pk: Reminder.objects.filter(claimant_id=pk),
        )
    )
