"""What the appointments app adds to the timeline (``iwp.timeline``): appointments and their outcomes, the
contact attempts and good-reason decisions after a missed one, case notes, and agreed actions (agreed, done or
not done).

Each provider reads in a fixed number of queries (filtered, ordered and limited in SQL), newest first with ties
broken by primary key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from appointments.models import (
    ActionStatus,
    AgreedAction,
    Appointment,
    CaseNote,
    ContactAttempt,
    GoodReasonDecision,
)
from appointments.rules import CANCELLED_STATUSES, GOOD_REASON_LABELS, GoodReason, Status
from claimants.models import Claimant
from iwp import timeline
from iwp.input.dates import long_date
from iwp.models import StaffMember
from iwp.timeline import TimelineEntry, between, day_bounds, day_start, newest


def _when(at: datetime) -> str:
    return date_format(timezone.localtime(at), "j F Y \\a\\t H:i")


def _about(appointment: Appointment) -> str:
    return f"the {appointment.get_appointment_type_display().lower()} on {_when(appointment.starts_at)}"


# --- Appointments -----------------------------------------------------------------------------------------


def _outcome(a: Appointment, now: datetime) -> str:
    if a.status == Status.BOOKED:
        return "Outcome not recorded yet" if a.ends_at <= now else "Booked"
    outcome = a.get_status_display()
    if (a.status in CANCELLED_STATUSES or a.status == Status.RESCHEDULED) and a.cancelled_reason:
        outcome += f": {a.cancelled_reason}"
    return outcome


def appointment_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each appointment at its start (upcoming ones too), with its channel, coach, length and outcome."""
    now = timezone.now()
    rows = between(claimant.appointments.select_related("coach"), "starts_at", since, until)
    entries = []
    for a in rows.order_by("-starts_at", "-pk")[:limit]:
        lines = [
            f"{a.get_channel_display()} with {a.coach}, {a.length_minutes} minutes – {_outcome(a, now)}",
        ]
        if a.short_notice_consent:
            lines.append("Booked at short notice with the claimant's agreement.")
        entries.append(
            TimelineEntry(
                a.starts_at,
                "appointments",
                f"Appointment: {a.get_appointment_type_display()}",
                "\n".join(lines),
            )
        )
    return entries


# --- Contact attempts and good-reason decisions -----------------------------------------------------------


def contact_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """After a missed appointment: each attempt to contact the claimant (how, and what happened) and each
    good-reason decision with its reason (research row 7: the reason is kept, and now seen)."""
    attempts = between(
        ContactAttempt.objects.filter(appointment__claimant=claimant), "at", since, until
    ).select_related("appointment", "recorded_by")
    decisions = between(
        GoodReasonDecision.objects.filter(appointment__claimant=claimant), "at", since, until
    ).select_related("appointment", "decided_by")
    entries = []
    for c in attempts.order_by("-at", "-pk")[:limit]:
        entries.append(
            TimelineEntry(
                c.at,
                "contact",
                f"Contact attempt: {c.get_method_display().lower()}",
                f"{c.result}\nBy {c.recorded_by}, about {_about(c.appointment)}.",
            )
        )
    for d in decisions.order_by("-at", "-pk")[:limit]:
        label = GOOD_REASON_LABELS[GoodReason(d.decision)]
        title = "Good reason: not decided yet" if d.decision == GoodReason.NOT_YET_DECIDED else label
        reason = f"{d.reason}\n" if d.reason else ""
        entries.append(
            TimelineEntry(
                d.at, "contact", title, f"{reason}By {d.decided_by}, about {_about(d.appointment)}."
            )
        )
    return newest(entries, limit)


# --- Case notes and agreed actions ------------------------------------------------------------------------


def note_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    rows = between(CaseNote.objects.filter(claimant=claimant), "created_at", since, until)
    return [
        TimelineEntry(n.created_at, "notes", f"Note by {n.author}", n.text)
        for n in rows.select_related("author").order_by("-created_at", "-pk")[:limit]
    ]


def action_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each action agreed (with its due date), and each one done or not done (on the day it was closed)."""
    rows = AgreedAction.objects.filter(claimant=claimant)
    entries = []
    for a in between(rows, "created_at", since, until).order_by("-created_at", "-pk")[:limit]:
        due = f"Due by {long_date(a.due_on)}."
        entries.append(
            TimelineEntry(
                a.created_at,
                "actions",
                f"Action agreed: {a.get_category_display()}",
                f"{a.description}\n{due}",
            )
        )
    first, last = day_bounds(since, until)
    closed = rows.exclude(status=ActionStatus.OPEN).filter(completed_on__isnull=False)
    if first is not None:
        closed = closed.filter(completed_on__gte=first)
    if last is not None:
        closed = closed.filter(completed_on__lte=last)
    for a in closed.order_by("-completed_on", "-pk")[:limit]:
        done = "Action done" if a.status == ActionStatus.DONE else "Action not done"
        entries.append(
            TimelineEntry(
                day_start(a.completed_on),
                "actions",
                f"{done}: {a.get_category_display()}",
                a.description,
                all_day=True,
            )
        )
    return newest(entries, limit)


def register(registry: timeline.TimelineRegistry | Any = None) -> None:
    registry = registry or timeline.registry
    registry.add("appointments", "Appointments", appointment_entries, position=10)
    registry.add("contact", "Contact attempts and good-reason decisions", contact_entries, position=15)
    registry.add("notes", "Case notes", note_entries, position=20)
    registry.add("actions", "Agreed actions", action_entries, position=30)
