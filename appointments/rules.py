"""Booking rules, the next-date suggestion and the appointment status registry.

PURE: plain dataclasses and functions, standard library only — no Django, no database, no clock. Callers
(``appointments.services``) gather the facts, pass ``now`` in, and act on the answer. This is the one place the
booking rules live (rulebook §7; research rows 4–7); the tests drive it with tables and hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LONDON = "Europe/London"
DEFAULT_MIN_NOTICE_HOURS = 48  # rulebook §7 [Decision]; the setting IWP_MIN_NOTICE_HOURS overrides it
LENGTHS = (10, 20, 30, 45, 60)
LONGEST = max(LENGTHS)

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


# --- Intervals ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A half-open span of time [start, end) between two timezone-aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("An interval must end after it starts")

    @classmethod
    def of(cls, start: datetime, minutes: int) -> Interval:
        return cls(start, start + timedelta(minutes=minutes))

    def overlaps(self, other: Interval) -> bool:
        # Back-to-back (one ends as the next starts) is not an overlap.
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class WeeklyBusyTime:
    """A regular weekly time the claimant cannot attend, in local (Europe/London) wall-clock time."""

    weekday: int  # 0 = Monday … 6 = Sunday
    starts_at: time
    ends_at: time
    kind: str = "work"  # "work" (a shift) or "caring" (school run, caring for someone)
    description: str = ""

    def describe(self) -> str:
        what = "work shift" if self.kind == "work" else "caring time"
        text = f"{what} on {WEEKDAYS[self.weekday]}, {self.starts_at:%H:%M} to {self.ends_at:%H:%M}"
        return f"{text} ({self.description})" if self.description else text

    def on(self, day: date, tz: ZoneInfo) -> Interval | None:
        """This busy time on a given local date as an aware interval, or None if it is not that weekday."""
        if day.weekday() != self.weekday:
            return None
        return Interval(
            datetime.combine(day, self.starts_at, tzinfo=tz), datetime.combine(day, self.ends_at, tzinfo=tz)
        )


@dataclass(frozen=True)
class BusyInterval:
    """A one-off busy time with words for the coach: another appointment, or a provision session."""

    interval: Interval
    label: str


# --- Booking checks ----------------------------------------------------------------------------------------


class Severity(StrEnum):
    BLOCK = "block"  # cannot book until fixed
    WARNING = "warning"  # may book anyway, with an explicit confirmation and a reason


class IssueCode(StrEnum):
    IN_THE_PAST = "in_the_past"
    SHORT_NOTICE = "short_notice"
    COACH_OVERLAP = "coach_overlap"
    CLAIMANT_OVERLAP = "claimant_overlap"
    WORK_CLASH = "work_clash"
    CARING_CLASH = "caring_clash"
    PROVISION_CLASH = "provision_clash"
    NOT_USUAL_COACH = "not_usual_coach"
    TOO_FAR_AHEAD = "too_far_ahead"
    OUTSIDE_OFFICE_HOURS = "outside_office_hours"
    DIGITALLY_EXCLUDED = "digitally_excluded"
    SAME_DAY = "same_day"


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    severity: Severity
    message: str
    detail: str = ""  # what exactly clashes; with ``code`` it makes the key a confirmation refers to

    @property
    def key(self) -> str:
        return f"{self.code}:{self.detail}" if self.detail else str(self.code)


@dataclass(frozen=True)
class BookingRequest:
    starts_at: datetime
    length_minutes: int
    coach_id: int
    coach_name: str = ""
    usual_coach_id: int | None = None
    usual_coach_name: str = ""
    short_notice_consent: bool = False
    channel: str = ""  # face_to_face, phone or video ("" when not chosen yet)

    @property
    def interval(self) -> Interval:
        return Interval.of(self.starts_at, self.length_minutes)


@dataclass(frozen=True)
class ClaimantCalendar:
    """Everything that makes a claimant busy.

    ``extra_busy`` is the extension point for provision sessions the claimant attends: the provision app does
    not exist yet, so callers pass nothing today; when it does, its selector turns the sessions a claimant is
    booked on into ``BusyInterval`` rows and passes them here (they then warn like a work shift does).
    """

    busy_times: tuple[WeeklyBusyTime, ...] = ()
    extra_busy: tuple[BusyInterval, ...] = ()
    other_appointments: tuple[BusyInterval, ...] = ()
    same_day: tuple[BusyInterval, ...] = ()  # the claimant's other appointments on that local day
    digitally_excluded: bool = False


@dataclass(frozen=True)
class BookingCheck:
    issues: tuple[Issue, ...]
    notice_hours: int  # whole hours between ``now`` and the start (what is kept on the appointment)

    @property
    def blocks(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.BLOCK)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.WARNING)

    @property
    def warning_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.warnings)

    def unconfirmed(self, confirmed_keys: Collection[str]) -> tuple[Issue, ...]:
        """Warnings the coach has not yet seen and confirmed (a changed time can raise new ones)."""
        return tuple(i for i in self.warnings if i.key not in confirmed_keys)

    def can_book(self, *, confirmed_keys: Collection[str] = ()) -> bool:
        return not self.blocks and not self.unconfirmed(confirmed_keys)


def notice_hours(*, now: datetime, starts_at: datetime) -> int:
    return math.floor((starts_at - now).total_seconds() / 3600)


def is_short_notice(*, now: datetime, starts_at: datetime, min_notice_hours: int) -> bool:
    """Less than ``min_notice_hours`` between now and the start (exactly the minimum is enough notice)."""
    return starts_at - now < timedelta(hours=min_notice_hours)


def outcome_open(*, now: datetime, starts_at: datetime) -> bool:
    """An outcome is what happened, so it can be recorded once the appointment has started, not before (a
    claimant who cannot come is a move or a cancellation)."""
    return starts_at <= now


def _local_days(interval: Interval, tz: ZoneInfo) -> list[date]:
    first = interval.start.astimezone(tz).date()
    last = (interval.end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def weekly_clashes(
    interval: Interval, busy_times: Iterable[WeeklyBusyTime], tz: ZoneInfo
) -> list[WeeklyBusyTime]:
    """The weekly busy times the interval overlaps, compared in local wall-clock time (so a 9am shift is 9am
    in both GMT and BST)."""
    days = _local_days(interval, tz)
    hits = []
    for busy in busy_times:
        for day in days:
            span = busy.on(day, tz)
            if span is not None and span.overlaps(interval):
                hits.append(busy)
                break
    return hits


def _when(interval: Interval, tz: ZoneInfo) -> str:
    start, end = interval.start.astimezone(tz), interval.end.astimezone(tz)
    return f"{start:%A} {start.day} {start:%B}, {start:%H:%M} to {end:%H:%M}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check_booking(
    request: BookingRequest,
    *,
    now: datetime,
    claimant: ClaimantCalendar,
    coach_diary: Sequence[BusyInterval] = (),
    min_notice_hours: int = DEFAULT_MIN_NOTICE_HOURS,
    tz: str = LONDON,
    latest_start: datetime | None = None,
    office_hours: tuple[time, time] | None = None,
) -> BookingCheck:
    """Every problem with a proposed appointment at once, blocks first, so the coach fixes them in one go.
    The caller decides the policy: ``latest_start`` (the furthest ahead an appointment may start, from
    ``iwp.input.dates``) and ``office_hours`` (opening and closing time, Monday to Friday; None: not checked)."""
    zone = ZoneInfo(tz)
    wanted = request.interval
    issues: list[Issue] = []
    hours = notice_hours(now=now, starts_at=request.starts_at)

    if latest_start is not None and request.starts_at >= latest_start:
        issues.append(
            Issue(
                IssueCode.TOO_FAR_AHEAD,
                Severity.BLOCK,
                "Appointments can be booked up to 12 months ahead. Choose an earlier date.",
            )
        )

    if request.starts_at <= now:
        issues.append(
            Issue(
                IssueCode.IN_THE_PAST,
                Severity.BLOCK,
                "The appointment must be in the future. Choose a later time.",
            )
        )
    elif (
        is_short_notice(now=now, starts_at=request.starts_at, min_notice_hours=min_notice_hours)
        and not request.short_notice_consent
    ):
        away = _plural(hours, "hour") if hours >= 1 else "less than an hour"
        issues.append(
            Issue(
                IssueCode.SHORT_NOTICE,
                Severity.BLOCK,
                f"The appointment is only {away} away. Claimants must get at least {min_notice_hours} hours' "
                "notice: choose a later time, or record that the claimant agreed to shorter notice.",
            )
        )

    for other in coach_diary:
        if other.interval.overlaps(wanted):
            who = request.coach_name or "The work coach"
            issues.append(
                Issue(
                    IssueCode.COACH_OVERLAP,
                    Severity.BLOCK,
                    f"{who} already has an appointment then ({other.label}, {_when(other.interval, zone)}). "
                    "Choose another time.",
                    detail=other.interval.start.isoformat(),
                )
            )
    for other in claimant.other_appointments:
        if other.interval.overlaps(wanted):
            issues.append(
                Issue(
                    IssueCode.CLAIMANT_OVERLAP,
                    Severity.BLOCK,
                    f"The claimant already has an appointment then ({other.label}, {_when(other.interval, zone)}). "
                    "Choose another time, or rebook that appointment.",
                    detail=other.interval.start.isoformat(),
                )
            )

    for busy in weekly_clashes(wanted, claimant.busy_times, zone):
        code = IssueCode.WORK_CLASH if busy.kind == "work" else IssueCode.CARING_CLASH
        issues.append(
            Issue(
                code,
                Severity.WARNING,
                f"This clashes with the claimant's {busy.describe()}.",
                detail=f"{busy.weekday}-{busy.starts_at:%H%M}-{busy.ends_at:%H%M}",
            )
        )
    for session in claimant.extra_busy:
        if session.interval.overlaps(wanted):
            issues.append(
                Issue(
                    IssueCode.PROVISION_CLASH,
                    Severity.WARNING,
                    f"This clashes with a session the claimant attends: {session.label}, "
                    f"{_when(session.interval, zone)}.",
                    detail=session.interval.start.isoformat(),
                )
            )

    local_start, local_end = wanted.start.astimezone(zone), wanted.end.astimezone(zone)
    opens, closes = office_hours or (time.min, time.max)
    if office_hours is not None and (
        local_start.weekday() >= 5
        or local_start.time() < opens
        or local_end.date() != local_start.date()
        or local_end.time() > closes
    ):
        issues.append(
            Issue(
                IssueCode.OUTSIDE_OFFICE_HOURS,
                Severity.WARNING,
                f"This is outside office hours ({_when(wanted, zone)}). The Jobcentre is open Monday to Friday, "
                f"{opens:%H:%M} to {closes:%H:%M}: check the claimant asked for this time.",
            )
        )
    if claimant.digitally_excluded and request.channel in ("phone", "video"):
        how = "a video call" if request.channel == "video" else "a phone call"
        issues.append(
            Issue(
                IssueCode.DIGITALLY_EXCLUDED,
                Severity.WARNING,
                f"The claimant is recorded as digitally excluded, so {how} may not work for them. Face to face "
                "is usually better: check with the claimant.",
                detail=request.channel,
            )
        )
    for other in claimant.same_day:
        if not other.interval.overlaps(wanted):
            issues.append(
                Issue(
                    IssueCode.SAME_DAY,
                    Severity.WARNING,
                    f"The claimant already has an appointment that day ({other.label}, {_when(other.interval, zone)}). "
                    "Is a second one needed?",
                    detail=other.interval.start.isoformat(),
                )
            )

    if request.usual_coach_id is not None and request.usual_coach_id != request.coach_id:
        usual = f" ({request.usual_coach_name})" if request.usual_coach_name else ""
        issues.append(
            Issue(
                IssueCode.NOT_USUAL_COACH,
                Severity.WARNING,
                f"{request.coach_name or 'This coach'} is not the claimant's usual work coach{usual}. Seeing a "
                "different coach can mean the claimant repeats their story: book with their usual coach if you can.",
                detail=str(request.coach_id),
            )
        )

    issues.sort(key=lambda i: i.severity != Severity.BLOCK)  # stable: blocks first, order kept within each
    return BookingCheck(issues=tuple(issues), notice_hours=hours)


# --- Suggested next appointment ----------------------------------------------------------------------------

# In-work progression trial intensities (rulebook §7): fortnightly, every 8 weeks, every 3 months.
INTENSITY_DAYS = {"fortnightly": 14, "eight_weekly": 56, "quarterly": 91}
DAY_STARTS = time(9, 0)
DAY_ENDS = time(17, 0)
# Jobcentre opening hours: an appointment outside them (or at a weekend) is possible, but asks for a confirmation.
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(18, 0)


def suggest_next_appointment(
    *,
    after: datetime,
    intensity: str,
    length_minutes: int = 30,
    busy_times: Sequence[WeeklyBusyTime] = (),
    also_busy: Sequence[Interval] = (),
    preferred_time: time | None = None,
    tz: str = LONDON,
) -> datetime:
    """The suggested start of the next appointment: ``after`` plus the intensity's gap (fortnightly 14 days,
    eight-weekly 56, quarterly 91), moved off weekends and off the claimant's busy times (and ``also_busy``:
    their other appointments, provision sessions, the coach's diary). Tries the time of day of ``after`` first
    (or ``preferred_time``), then the nearest free slot in office hours, then the next working day."""
    if intensity not in INTENSITY_DAYS:
        raise ValueError(f"Unknown support intensity {intensity!r}")
    local_after = after.astimezone(ZoneInfo(tz))
    return first_free_slot(
        first_day=local_after.date() + timedelta(days=INTENSITY_DAYS[intensity]),
        preferred_time=preferred_time or local_after.time(),
        length_minutes=length_minutes,
        busy_times=busy_times,
        also_busy=also_busy,
        tz=tz,
    )


def first_free_slot(
    *,
    first_day: date,
    preferred_time: time = time(10, 0),
    length_minutes: int = 30,
    busy_times: Sequence[WeeklyBusyTime] = (),
    also_busy: Sequence[Interval] = (),
    day_starts: time = DAY_STARTS,
    day_ends: time = DAY_ENDS,
    step_minutes: int = 30,
    search_days: int = 28,
    tz: str = LONDON,
) -> datetime:
    """The first weekday from ``first_day`` with a free slot, as near ``preferred_time`` as it can be. If
    nothing is free within ``search_days`` it falls back to the first weekday at the preferred time, for the
    coach to adjust."""
    zone = ZoneInfo(tz)
    day_start_min = day_starts.hour * 60 + day_starts.minute
    last_start_min = day_ends.hour * 60 + day_ends.minute - length_minutes
    wanted_min = min(max(preferred_time.hour * 60 + preferred_time.minute, day_start_min), last_start_min)
    slots = sorted(
        {wanted_min, *range(day_start_min, last_start_min + 1, step_minutes)},
        key=lambda m: (abs(m - wanted_min), m),
    )

    fallback: datetime | None = None
    for offset in range(search_days):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for minutes in slots:
            start = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
            if fallback is None:
                fallback = start
            slot = Interval.of(start, length_minutes)
            if weekly_clashes(slot, busy_times, zone):
                continue
            if any(slot.overlaps(other) for other in also_busy):
                continue
            return start
    assert fallback is not None  # search_days ≥ 3 always contains a weekday
    return fallback


# --- Appointment statuses: a declarative registry with guarded transitions (DESIGN §6.5) -------------------


class Status(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    LATE = "late"
    FAILED_TO_ATTEND = "failed_to_attend"
    RESCHEDULED = "rescheduled"
    CANCELLED_BY_CLAIMANT = "cancelled_by_claimant"
    CANCELLED_BY_JOBCENTRE = "cancelled_by_jobcentre"


class GoodReason(StrEnum):
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    NOT_YET_DECIDED = "not_yet_decided"


GOOD_REASON_LABELS = {
    GoodReason.ACCEPTED: "Good reason accepted",
    GoodReason.NOT_ACCEPTED: "Good reason not accepted",
    GoodReason.NOT_YET_DECIDED: "Not decided yet",
}
DECIDED = frozenset({GoodReason.ACCEPTED, GoodReason.NOT_ACCEPTED})


@dataclass(frozen=True)
class OutcomeFacts:
    """What is known when an outcome is recorded (rows already kept plus those being added with it)."""

    now: datetime
    starts_at: datetime
    contact_attempts: int = 0
    good_reason: str | None = None  # the latest decision, if any
    good_reason_text: str = ""
    cancelled_reason: str = ""
    replacement_booked: bool = False


@dataclass(frozen=True)
class GuardFailure:
    field: str  # "outcome", "contact_attempt", "good_reason", "cancelled_reason" or "next_appointment"
    message: str


Guard = Callable[[OutcomeFacts], GuardFailure | None]


def _has_started(f: OutcomeFacts) -> GuardFailure | None:
    if f.starts_at > f.now:
        return GuardFailure("outcome", "You can only record this once the appointment has started.")
    return None


def _contact_attempted(f: OutcomeFacts) -> GuardFailure | None:
    if f.contact_attempts < 1:
        return GuardFailure(
            "contact_attempt",
            "Try to contact the claimant before recording that they failed to attend: give when, how and what "
            "happened.",
        )
    return None


def _good_reason_decided(f: OutcomeFacts) -> GuardFailure | None:
    if f.good_reason not in DECIDED:
        return GuardFailure(
            "good_reason",
            "Decide whether the claimant had a good reason before recording that they failed to attend "
            "('not decided yet' is not enough).",
        )
    if not f.good_reason_text.strip():
        return GuardFailure("good_reason", "Give the reason for the good-reason decision.")
    return None


def _cancel_reason_given(f: OutcomeFacts) -> GuardFailure | None:
    if not f.cancelled_reason.strip():
        return GuardFailure("cancelled_reason", "Give the reason the appointment was cancelled.")
    return None


def _replacement_booked(f: OutcomeFacts) -> GuardFailure | None:
    if not f.replacement_booked:
        return GuardFailure(
            "next_appointment",
            "Book the new appointment under 'Next appointment' to record it as rescheduled.",
        )
    return None


@dataclass(frozen=True)
class StatusDefinition:
    status: Status
    label: str
    hint: str = ""
    terminal: bool = True
    attended: bool = False  # the claimant came (notes and actions are usual)
    occupies_diary: bool = True  # counts as busy time for the coach and the claimant
    on_outcome_form: bool = True
    guards: tuple[Guard, ...] = ()


STATUS_REGISTRY: dict[Status, StatusDefinition] = {
    d.status: d
    for d in (
        StatusDefinition(Status.BOOKED, "Booked", terminal=False, on_outcome_form=False),
        StatusDefinition(Status.ATTENDED, "Attended", attended=True, guards=(_has_started,)),
        StatusDefinition(Status.LATE, "Attended late", attended=True, guards=(_has_started,)),
        StatusDefinition(
            Status.FAILED_TO_ATTEND,
            "Failed to attend",
            hint="Only after trying to contact them and deciding whether they had a good reason.",
            guards=(_has_started, _contact_attempted, _good_reason_decided),
        ),
        StatusDefinition(
            Status.RESCHEDULED,
            "Rescheduled",
            hint="Moved to a new time: give it under 'Next appointment'.",
            occupies_diary=False,
            guards=(_replacement_booked,),
        ),
        StatusDefinition(
            Status.CANCELLED_BY_CLAIMANT,
            "Cancelled by the claimant",
            occupies_diary=False,
            guards=(_cancel_reason_given,),
        ),
        StatusDefinition(
            Status.CANCELLED_BY_JOBCENTRE,
            "Cancelled by the Jobcentre",
            occupies_diary=False,
            guards=(_cancel_reason_given,),
        ),
    )
}

# From "booked" an appointment can end in any outcome; outcomes are final (a mistake is corrected by staff
# with the audit trail, not by moving the status again).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOOKED: frozenset(s for s in Status if s != Status.BOOKED),
    **{s: frozenset() for s in Status if s != Status.BOOKED},
}

OCCUPYING_STATUSES = tuple(s for s, d in STATUS_REGISTRY.items() if d.occupies_diary)
OUTCOME_STATUSES = tuple(s for s, d in STATUS_REGISTRY.items() if d.on_outcome_form)
CANCELLED_STATUSES = (Status.CANCELLED_BY_CLAIMANT, Status.CANCELLED_BY_JOBCENTRE)


def transition_problems(current: str, target: str, facts: OutcomeFacts) -> tuple[GuardFailure, ...]:
    """Why ``current`` cannot move to ``target`` given ``facts`` (empty: it can)."""
    current_s, target_s = Status(current), Status(target)
    if target_s not in TRANSITIONS[current_s]:
        label = STATUS_REGISTRY[current_s].label.lower()
        return (GuardFailure("outcome", f"This appointment is already recorded as {label}."),)
    problems = (guard(facts) for guard in STATUS_REGISTRY[target_s].guards)
    return tuple(p for p in problems if p is not None)


# --- What a person records about an appointment (the outcome page and the API) ---------------------------


def contact_attempt_problem(at: datetime, *, now: datetime, appointment_start: datetime | None) -> str | None:
    """A contact attempt follows the missed appointment and has already happened."""
    if at > now:
        return "The contact attempt must be in the past: give when you tried"
    if appointment_start is not None and at < appointment_start:
        start = appointment_start.astimezone(ZoneInfo(LONDON))
        return (
            f"The contact attempt must be after the appointment started ({start.day} {start:%B %Y} at "
            f"{start:%H:%M})"
        )
    return None


def good_reason_problem(decision: str | None, reason: str) -> str | None:
    """A decision on good reason says why (only "not decided yet" may wait for one)."""
    if decision in (GoodReason.ACCEPTED, GoodReason.NOT_ACCEPTED) and not (reason or "").strip():
        return "Give the reason for your good-reason decision"
    return None


def follow_up_problem(due_on: date | None, follow_up_on: date | None) -> str | None:
    if due_on and follow_up_on and follow_up_on < due_on:
        return "The follow-up date must be on or after the due date"
    return None
