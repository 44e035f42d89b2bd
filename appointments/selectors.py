"""Reads for appointments: named querysets with their ``select_related`` decided once, the access rules, the
facts the booking rules need, and the context for the snippets the claimant record and caseload include.

Scoping: an appointment is visible when its claimant is (``jobcentre_scope`` on the claimant's jobcentre).
Managing one (rebook, cancel, record the outcome) is for the coach who runs it, the claimant's usual coach and
team leaders of that jobcentre; booking is for any work coach or team leader of the claimant's jobcentre (cover
for a colleague), with a continuity warning when it is not the usual coach.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from appointments.models import ActionStatus, AgreedAction, Appointment, CaseNote
from appointments.rules import (
    INTENSITY_DAYS,
    LONGEST,
    OCCUPYING_STATUSES,
    BusyInterval,
    ClaimantCalendar,
    Interval,
    WeeklyBusyTime,
    first_free_slot,
    suggest_next_appointment,
)
from claimants.models import BusyTime, Claimant
from claimants.selectors import claimants_editable_by, may_edit
from iwp.access import has_role, jobcentre_scope
from iwp.models import Role, StaffMember

APPOINTMENT_RELATED = ("claimant", "coach")
ACTION_RELATED = ("claimant", "origin_appointment")
BOOKING_ROLES = (Role.WORK_COACH, Role.TEAM_LEADER)
LONDON = ZoneInfo("Europe/London")


def min_notice_hours() -> int:
    return int(getattr(settings, "IWP_MIN_NOTICE_HOURS", 48))


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the day after, in Europe/London (23 or 25 hours at clock changes)."""
    start = datetime.combine(day, time.min, tzinfo=LONDON)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON)
    return start, end


def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(LONDON).date()


# --- Access -----------------------------------------------------------------------------------------------


def appointments_visible_to(user: StaffMember) -> QuerySet[Appointment]:
    return Appointment.objects.filter(jobcentre_scope(user, "claimant__jobcentre")).select_related(
        *APPOINTMENT_RELATED
    )


def agreed_actions_visible_to(user: StaffMember) -> QuerySet[AgreedAction]:
    """Agreed actions of the claimants ``user`` may see (the claimant's scope, as for appointments)."""
    return AgreedAction.objects.filter(jobcentre_scope(user, "claimant__jobcentre")).select_related(
        *ACTION_RELATED
    )


def case_notes_visible_to(user: StaffMember) -> QuerySet[CaseNote]:
    """Case notes of the claimants ``user`` may see (the claimant's scope, as for appointments)."""
    return CaseNote.objects.filter(jobcentre_scope(user, "claimant__jobcentre")).select_related(
        "claimant", "author"
    )


def bookable_claimants_for(user: StaffMember) -> QuerySet[Claimant]:
    """Claimants the user may book for: work coaches and team leaders, for the claimants whose casework they may
    change (``claimants.selectors.may_edit``: own or covered caseload; a team leader's jobcentre)."""
    if not has_role(user, *BOOKING_ROLES):
        return Claimant.objects.none()
    return claimants_editable_by(user).select_related("coach")


def can_book_for(user: StaffMember, claimant: Claimant) -> bool:
    """Book, and change agreed actions and notes: a booking role and ``may_edit``."""
    return has_role(user, *BOOKING_ROLES) and may_edit(user, claimant)


def can_manage(user: StaffMember, appointment: Appointment) -> bool:
    """Rebook, cancel or record the outcome of this appointment: whoever may change the claimant's casework, or
    the coach the appointment is with (in the claimant's jobcentre: a colleague it was moved to for cover)."""
    if can_book_for(user, appointment.claimant):
        return True
    return (
        has_role(user, *BOOKING_ROLES)
        and appointment.coach_id == user.pk
        and user.jobcentre_id == appointment.claimant.jobcentre_id
    )


def coaches_in_jobcentre(jobcentre_id: int | None) -> QuerySet[StaffMember]:
    """Who can run appointments at a jobcentre: its active work coaches and team leaders."""
    return StaffMember.objects.filter(
        jobcentre_id=jobcentre_id, role__in=BOOKING_ROLES, is_active=True
    ).order_by("last_name", "first_name", "pk")


def coaches_for(claimant: Claimant) -> QuerySet[StaffMember]:
    return coaches_in_jobcentre(claimant.jobcentre_id)


# --- Facts the booking rules need --------------------------------------------------------------------------


def claimant_busy_times(claimant: Claimant, *, on: date | None = None) -> tuple[WeeklyBusyTime, ...]:
    """The claimant's weekly shifts and caring times (shifts of jobs that ended before ``on`` are left out)."""
    rows = BusyTime.objects.filter(claimant=claimant).select_related("employment")
    if on is not None:
        rows = rows.filter(
            Q(employment__isnull=True)
            | Q(employment__ended_on__isnull=True)
            | Q(employment__ended_on__gte=on)
        )
    return tuple(
        WeeklyBusyTime(
            weekday=row.weekday,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            kind=row.kind,
            description=row.description or (row.employment.employer if row.employment_id else ""),
        )
        for row in rows
    )


def provision_sessions_for(claimant: Claimant, window: Interval) -> tuple[BusyInterval, ...]:
    """Provision sessions the claimant attends within ``window`` (offers they were accepted on or started) —
    so the booking rules warn about an appointment during a course.

    Provision comes after appointments in the dependency order, so it is imported here, lazily, not at the top.
    """
    from provision.selectors import sessions_attended

    return tuple(
        BusyInterval(Interval(start, end), label)
        for start, end, label in sessions_attended(claimant.pk, window.start, window.end)
    )


def _label(appointment: Appointment, *, for_coach: bool) -> str:
    start = appointment.starts_at.astimezone(LONDON)
    who = appointment.claimant.full_name if for_coach else f"with {appointment.coach}"
    return f"{start:%H:%M} {who}" if for_coach else f"{appointment.get_appointment_type_display()} {who}"


def _occupying(
    qs: QuerySet[Appointment], window: Interval, exclude_ids: tuple[int, ...]
) -> QuerySet[Appointment]:
    return (
        qs.filter(status__in=OCCUPYING_STATUSES, starts_at__lt=window.end, ends_at__gt=window.start)
        .exclude(pk__in=exclude_ids)
        .select_related(*APPOINTMENT_RELATED)
    )


def booking_facts(
    *, claimant: Claimant, coach: StaffMember, window: Interval, exclude_ids: tuple[int, ...] = ()
) -> tuple[ClaimantCalendar, tuple[BusyInterval, ...]]:
    """The claimant's calendar and the coach's diary around ``window``, for ``rules.check_booking``."""
    around = Interval(window.start - timedelta(minutes=LONGEST), window.end + timedelta(minutes=LONGEST))
    coach_diary = tuple(
        BusyInterval(Interval(a.starts_at, a.ends_at), _label(a, for_coach=True))
        for a in _occupying(Appointment.objects.filter(coach=coach), around, exclude_ids)
    )
    day = window.start.astimezone(LONDON).date()
    whole_day = Interval(*local_day_bounds(day))
    # One read of the claimant's appointments, around the window and across that local day.
    both = Interval(min(around.start, whole_day.start), max(around.end, whole_day.end))
    theirs = [
        BusyInterval(Interval(a.starts_at, a.ends_at), _label(a, for_coach=False))
        for a in _occupying(Appointment.objects.filter(claimant=claimant), both, exclude_ids)
    ]
    others = tuple(b for b in theirs if b.interval.overlaps(around))
    same_day = tuple(b for b in theirs if b.interval.overlaps(whole_day))
    calendar = ClaimantCalendar(
        busy_times=claimant_busy_times(claimant, on=day),
        extra_busy=provision_sessions_for(claimant, window),
        other_appointments=others,
        same_day=same_day,
        digitally_excluded=claimant.digitally_excluded,
    )
    return calendar, coach_diary


def _busy_around(claimant: Claimant, coach: StaffMember | None, window: Interval) -> list[Interval]:
    """The claimant's and the coach's booked time (and provision sessions) within ``window``."""
    who = (Q(claimant=claimant) | Q(coach=coach)) if coach else Q(claimant=claimant)
    rows = Appointment.objects.filter(
        who, status__in=OCCUPYING_STATUSES, starts_at__lt=window.end, ends_at__gt=window.start
    ).only("starts_at", "ends_at")
    return [Interval(a.starts_at, a.ends_at) for a in rows] + [
        s.interval for s in provision_sessions_for(claimant, window)
    ]


def suggested_next_start(
    *, claimant: Claimant, coach: StaffMember | None, after: datetime, length_minutes: int = 30
) -> datetime:
    """When the claimant's next appointment should be, from their support intensity (fortnightly, 8-weekly,
    quarterly), on a weekday, clear of their shifts, caring times, other appointments and the coach's diary."""
    intensity = claimant.support_intensity if claimant.support_intensity in INTENSITY_DAYS else "eight_weekly"
    first = after + timedelta(days=INTENSITY_DAYS[intensity])
    return suggest_next_appointment(
        after=after,
        intensity=intensity,
        length_minutes=length_minutes,
        busy_times=claimant_busy_times(claimant, on=first.astimezone(LONDON).date()),
        also_busy=_busy_around(
            claimant, coach, Interval(first - timedelta(days=1), first + timedelta(days=45))
        ),
    )


def suggested_booking_start(
    *,
    claimant: Claimant,
    coach: StaffMember | None,
    now: datetime,
    after: datetime | None = None,
    length_minutes: int = 30,
) -> datetime:
    """The date and time the booking forms offer: the intensity's gap after ``after`` (the appointment being
    recorded; by default the claimant's last appointment that happened), or — with none, or if that is too
    soon for full notice — the first free weekday slot with full notice."""
    last = after or (
        Appointment.objects.filter(claimant=claimant, status__in=("attended", "late"), starts_at__lte=now)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    earliest = now + timedelta(hours=min_notice_hours())
    if last is not None:
        suggestion = suggested_next_start(
            claimant=claimant, coach=coach, after=last, length_minutes=length_minutes
        )
        if suggestion >= earliest:
            return suggestion
    first_day = earliest.astimezone(LONDON).date() + timedelta(days=1)  # a whole day clear of the minimum
    return first_free_slot(
        first_day=first_day,
        length_minutes=length_minutes,
        busy_times=claimant_busy_times(claimant, on=first_day),
        also_busy=_busy_around(claimant, coach, Interval(earliest, earliest + timedelta(days=45))),
    )


# --- Named lists: dashboards, diary, claimant record --------------------------------------------------------


def _today(now: datetime | None) -> Q:
    """Today's appointments (local day), moved ones left out."""
    start, end = local_day_bounds(local_today(now))
    return Q(starts_at__gte=start, starts_at__lt=end) & ~Q(status="rescheduled")


def _unrecorded(now: datetime | None) -> Q:
    """Finished but still only 'booked': the outcome is not recorded yet."""
    return Q(status="booked", ends_at__lte=now or timezone.now())


def todays_appointments_for_coach(
    coach: StaffMember, *, now: datetime | None = None
) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(_today(now), coach=coach)
        .select_related(*APPOINTMENT_RELATED)
        .order_by("starts_at", "pk")
    )


def unrecorded_outcomes_for_coach(
    coach: StaffMember, *, now: datetime | None = None
) -> QuerySet[Appointment]:
    """Appointments of this coach that have finished but are still only 'booked'."""
    return (
        Appointment.objects.filter(_unrecorded(now), coach=coach)
        .select_related(*APPOINTMENT_RELATED)
        .order_by("starts_at", "pk")
    )


def overdue_actions_for_coach(coach: StaffMember, *, today: date | None = None) -> QuerySet[AgreedAction]:
    """Open agreed actions of the coach's caseload whose due date has passed."""
    return (
        AgreedAction.objects.filter(
            claimant__coach=coach, status=ActionStatus.OPEN, due_on__lt=today or local_today()
        )
        .select_related(*ACTION_RELATED)
        .order_by("due_on", "pk")
    )


def diary_for_coach(coach: StaffMember, *, first_day: date, last_day: date) -> QuerySet[Appointment]:
    """The coach's appointments from ``first_day`` to ``last_day`` inclusive (local dates), moved and
    cancelled ones left out."""
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(last_day)
    return (
        Appointment.objects.filter(
            coach=coach, starts_at__gte=start, starts_at__lt=end, status__in=OCCUPYING_STATUSES
        )
        .select_related(*APPOINTMENT_RELATED)
        .order_by("starts_at", "pk")
    )


def diary_days(coach: StaffMember, *, first_day: date, days: int = 8) -> list[dict[str, Any]]:
    """The diary grouped by local day: ``[{"day": date, "appointments": [...]}, ...]`` (empty days included)."""
    by_day: dict[date, list[Appointment]] = {first_day + timedelta(days=n): [] for n in range(days)}
    for appointment in diary_for_coach(
        coach, first_day=first_day, last_day=first_day + timedelta(days=days - 1)
    ):
        by_day.setdefault(appointment.starts_at.astimezone(LONDON).date(), []).append(appointment)
    return [{"day": day, "appointments": rows} for day, rows in by_day.items()]


def _group_first(rows: QuerySet, first: Q, first_by: str, *rest_by: str) -> QuerySet:
    """The rows matching ``first`` (soonest ``first_by`` first, then by id), then the others in ``rest_by``
    order: two lists in one query."""
    return rows.annotate(
        group_rank=Case(When(first, then=Value(0)), default=Value(1), output_field=IntegerField()),
        group_by=Case(When(first, then=F(first_by))),
        group_pk=Case(When(first, then=F("pk"))),
    ).order_by("group_rank", "group_by", "group_pk", *rest_by)


def claimant_appointments(claimant: Claimant, *, limit: int = 10) -> list[Appointment]:
    """Upcoming appointments (soonest first) then the most recent past ones, ``limit`` in all; one query.

    A shorter list is the start of a longer one (same order), so a page showing both reads the longer once."""
    upcoming = Q(starts_at__gte=timezone.now(), status="booked")
    # Through the claimant's own manager: each row's ``claimant`` is this object, not a join of the wide row.
    rows = claimant.appointments.select_related("coach")
    return list(_group_first(rows, upcoming, "starts_at", "-starts_at", "-pk")[:limit])


def claimant_actions(claimant: Claimant, *, limit: int = 20) -> list[AgreedAction]:
    """Open actions first (soonest due first), then recently closed ones; one query."""
    rows = claimant.agreed_actions.select_related("origin_appointment")
    is_open = Q(status=ActionStatus.OPEN)
    return list(_group_first(rows, is_open, "due_on", "-completed_on", "-pk")[:limit])


# What the caseload's panels show of a claimant: reading the whole claimant row for three small lists cost more
# than the lists (the caseload is the busiest page).
CLAIMANT_BRIEF = (
    "claimant__id",
    "claimant__first_name",
    "claimant__last_name",
    "claimant__interpreter_language",
)


def caseload_panels(user: StaffMember, *, now: datetime | None = None) -> dict[str, Any]:
    """Context for ``_todays_appointments.html``, ``_overdue_actions.html`` and ``_unrecorded_outcomes.html``.

    Two queries: today's appointments and the unrecorded outcomes are read together (the named lists' own rules,
    ``_today`` and ``_unrecorded``) and split by which rule each row met."""
    now = now or timezone.now()
    appointments = list(
        Appointment.objects.filter(_today(now) | _unrecorded(now), coach=user)
        .annotate(
            is_today=ExpressionWrapper(_today(now), output_field=BooleanField()),
            is_unrecorded=ExpressionWrapper(_unrecorded(now), output_field=BooleanField()),
        )
        .select_related("claimant")
        .only(
            "id",
            "claimant",
            "coach_id",
            "starts_at",
            "ends_at",
            "status",
            "appointment_type",
            "channel",
            "length_minutes",
            "private_room",
            *CLAIMANT_BRIEF,
        )
        .order_by("starts_at", "pk")
    )
    overdue = overdue_actions_for_coach(user, today=local_today(now)).select_related(None)
    return {
        "todays_appointments": [a for a in appointments if a.is_today],
        "overdue_actions": list(
            overdue.select_related("claimant").only(
                "id", "claimant", "category", "description", "due_on", "follow_up_on", *CLAIMANT_BRIEF
            )
        ),
        "unrecorded_outcomes": [a for a in appointments if a.is_unrecorded],
        "now": now,
    }


def claimant_panels(
    user: StaffMember, claimant: Claimant, *, appointments: list[Appointment] | None = None
) -> dict[str, Any]:
    """Context for ``_claimant_appointments.html`` and ``_claimant_actions.html`` (``appointments``: the
    claimant's appointments already read for the page, in ``claimant_appointments`` order)."""
    return {
        "claimant": claimant,
        "claimant_appointments": claimant_appointments(claimant)
        if appointments is None
        else appointments[:10],
        "claimant_actions": claimant_actions(claimant),
        "can_book": can_book_for(user, claimant),
        "today": local_today(),
        "now": timezone.now(),
    }


def claimant_notes(claimant: Claimant, *, limit: int = 15) -> list[CaseNote]:
    """The claimant's latest case notes, newest first (for the record's timeline)."""
    return list(
        CaseNote.objects.filter(claimant=claimant).select_related("author").order_by("-created_at")[:limit]
    )


# --- The progression plan (issue #16): agreed actions serving its steps ------------------------------------------


def actions_for_steps(step_ids: list[int] | tuple[int, ...]) -> list[AgreedAction]:
    """The agreed actions linked to these plan steps, soonest due first (one query)."""
    return list(AgreedAction.objects.filter(plan_step_id__in=list(step_ids)).order_by("due_on", "pk"))


def actions_linkable_to_step(claimant: Claimant) -> list[AgreedAction]:
    """The claimant's agreed actions a step could be linked to: every open one, and those closed in the last 90
    days (one query)."""
    since = local_today() - timedelta(days=90)
    return list(
        AgreedAction.objects.filter(claimant=claimant)
        .filter(Q(status=ActionStatus.OPEN) | Q(completed_on__gte=since))
        .order_by("-status", "due_on", "pk")
    )
