"""Writes for appointments: book, rebook, cancel, record an outcome (with contact attempt, good-reason decision,
note, barriers, agreed actions and the next appointment), and reminders.

Each public function is keyword-only, runs in one transaction, checks the actor may do it (PermissionDenied),
and writes an audit event for every row it writes. A refusal raises before the transaction commits, so
nothing is ever saved half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from appointments import selectors
from appointments.models import (
    ActionCategory,
    ActionStatus,
    AgreedAction,
    Appointment,
    AppointmentType,
    CaseNote,
    Channel,
    ContactAttempt,
    ContactMethod,
    GoodReasonDecision,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from appointments.rules import (
    CANCELLED_STATUSES,
    LENGTHS,
    OFFICE_CLOSES,
    OFFICE_OPENS,
    BookingCheck,
    BookingRequest,
    GoodReason,
    GuardFailure,
    Interval,
    OutcomeFacts,
    Status,
    check_booking,
    transition_problems,
)
from claimants.models import (
    SENSITIVE_BARRIERS,
    BarrierKind,
    Circumstance,
    Claimant,
    ClaimantCommitment,
    CommitmentStatus,
    PlanReview,
    PlanStep,
    SelfAssessment,
)
from claimants.progression.selectors import plan_for
from claimants.progression.services import plan_review_record, self_assessment_record
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.input import dates
from iwp.models import AuditVerb, StaffMember

log = logging.getLogger(__name__)


# --- Refusals ------------------------------------------------------------------------------------------------


class BookingRefused(Exception):
    """The booking rules said no: blocks to fix, or warnings to confirm with a reason."""

    def __init__(
        self, check: BookingCheck, *, confirmed_keys: Collection[str] = (), reason_missing: bool = False
    ):
        self.check = check
        self.unconfirmed = check.unconfirmed(confirmed_keys)
        self.reason_missing = reason_missing
        super().__init__("; ".join(i.message for i in (*check.blocks, *self.unconfirmed)) or "reason missing")


class OutcomeRefused(Exception):
    """The outcome cannot be recorded (guards of the status registry, or the next appointment's booking)."""

    def __init__(self, problems: Sequence[GuardFailure], booking: BookingRefused | None = None):
        self.problems = tuple(problems)
        self.booking = booking
        super().__init__("; ".join(p.message for p in self.problems) or str(booking))


# --- Inputs for the outcome ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactAttemptInput:
    at: datetime
    method: ContactMethod | str
    result: str


@dataclass(frozen=True)
class GoodReasonInput:
    decision: GoodReason | str
    reason: str = ""


@dataclass(frozen=True)
class ActionInput:
    category: ActionCategory | str
    description: str
    due_on: date
    follow_up_on: date | None = None
    plan_step_id: int | None = None  # the step of the claimant's progression plan it serves (issue #16)


@dataclass(frozen=True)
class PlanReviewInput:
    """The claimant's progression plan was reviewed at the appointment (issue #16): what changed, and the steps
    to mark done."""

    what_changed: str = ""
    steps_done: tuple[int, ...] = ()


@dataclass(frozen=True)
class NextAppointmentInput:
    starts_at: datetime
    appointment_type: AppointmentType | str
    channel: Channel | str
    length_minutes: int
    private_room: bool = False
    short_notice_consent: bool = False
    confirmed_warnings: Collection[str] = ()
    override_reason: str = ""
    coach: StaffMember | None = None  # default: the coach of the appointment being recorded


@dataclass
class OutcomeResult:
    appointment: Appointment
    next_appointment: Appointment | None = None
    note: CaseNote | None = None
    actions: list[AgreedAction] = field(default_factory=list)
    barriers_added: list[str] = field(default_factory=list)
    barriers_already_recorded: list[str] = field(default_factory=list)
    plan_review: PlanReview | None = None


# --- Booking ----------------------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _lock_for_booking(*, coach: StaffMember, claimant: Claimant) -> None:
    """Serialise bookings per coach and per claimant so two clerks cannot fill one slot at once (the overlap
    check and the insert happen under these row locks). Always coach first, then claimant: no deadlocks."""
    StaffMember.objects.select_for_update().filter(pk=coach.pk).first()
    Claimant.objects.select_for_update().filter(pk=claimant.pk).first()


def booking_check(
    *,
    claimant: Claimant,
    coach: StaffMember,
    starts_at: datetime,
    length_minutes: int,
    short_notice_consent: bool = False,
    exclude_ids: tuple[int, ...] = (),
    now: datetime | None = None,
    channel: str = "",
) -> BookingCheck:
    """Run the booking rules on a proposed appointment (a read; the booking services call it under lock)."""
    now = now or timezone.now()
    last_day = dates.APPOINTMENT.latest(now.astimezone(selectors.LONDON).date())
    wanted = Interval.of(starts_at, length_minutes)
    calendar, diary = selectors.booking_facts(
        claimant=claimant, coach=coach, window=wanted, exclude_ids=exclude_ids
    )
    usual = claimant.coach
    request = BookingRequest(
        starts_at=starts_at,
        length_minutes=length_minutes,
        coach_id=coach.pk,
        coach_name=str(coach),
        usual_coach_id=usual.pk if usual else None,
        usual_coach_name=str(usual) if usual else "",
        short_notice_consent=short_notice_consent,
        channel=channel,
    )
    return check_booking(
        request,
        now=now,
        claimant=calendar,
        coach_diary=diary,
        min_notice_hours=selectors.min_notice_hours(),
        latest_start=datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=selectors.LONDON),
        office_hours=(OFFICE_OPENS, OFFICE_CLOSES),
    )


def _book(
    *,
    claimant: Claimant,
    coach: StaffMember,
    actor: StaffMember,
    appointment_type: str,
    channel: str,
    starts_at: datetime,
    length_minutes: int,
    private_room: bool,
    short_notice_consent: bool,
    confirmed_warnings: Collection[str],
    override_reason: str,
    rebooked_from: Appointment | None,
    now: datetime,
) -> Appointment:
    """Book inside the caller's transaction."""
    _require(selectors.can_book_for(actor, claimant), "You cannot book appointments for this claimant.")
    if coach.jobcentre_id != claimant.jobcentre_id or coach.role not in selectors.BOOKING_ROLES:
        raise ValidationError({"coach": "Select a work coach from this Jobcentre"})
    if length_minutes not in LENGTHS:
        raise ValidationError({"length_minutes": "Select how long the appointment is"})
    if appointment_type not in AppointmentType.values:
        raise ValidationError({"appointment_type": "Select the type of appointment"})
    if channel not in Channel.values:
        raise ValidationError({"channel": "Select face to face, phone or video"})
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")

    _lock_for_booking(coach=coach, claimant=claimant)
    check = booking_check(
        claimant=claimant,
        coach=coach,
        starts_at=starts_at,
        length_minutes=length_minutes,
        short_notice_consent=short_notice_consent,
        exclude_ids=(rebooked_from.pk,) if rebooked_from else (),
        now=now,
        channel=channel,
    )
    if not check.can_book(confirmed_keys=confirmed_warnings):
        raise BookingRefused(check, confirmed_keys=confirmed_warnings)
    override_reason = override_reason.strip()
    if check.warnings and not override_reason:
        raise BookingRefused(check, confirmed_keys=confirmed_warnings, reason_missing=True)

    consent_needed = short_notice_consent and check.notice_hours < selectors.min_notice_hours()
    appointment = Appointment.objects.create(
        claimant=claimant,
        coach=coach,
        appointment_type=appointment_type,
        channel=channel,
        starts_at=starts_at,
        length_minutes=length_minutes,
        ends_at=starts_at + timedelta(minutes=length_minutes),
        private_room=private_room,
        notice_hours_at_booking=check.notice_hours,
        # Consent is kept only when it was needed (short notice); with enough notice there is nothing to consent to.
        short_notice_consent=consent_needed,
        consent_recorded_by=actor if consent_needed else None,
        consent_recorded_at=now if consent_needed else None,
        booked_by=actor,
        rebooked_from=rebooked_from,
        clash_override_reason=override_reason if check.warnings else "",
        overridden_warnings=[{"code": i.code, "message": i.message} for i in check.warnings],
    )
    audit_record(
        actor=actor,
        verb=AuditVerb.CREATED,
        target=appointment,
        payload={
            "claimant": claimant.pk,
            "coach": coach.pk,
            "starts_at": starts_at.isoformat(),
            "short_notice_consent": consent_needed,
            "warnings_overridden": [i.code for i in check.warnings],
            "rebooked_from": rebooked_from.pk if rebooked_from else None,
        },
    )
    figures_changed(
        claimant_ids=[claimant.pk]
    )  # "appointment this week" (recounted once the booking commits)
    return appointment


def appointment_book(
    *,
    claimant: Claimant,
    coach: StaffMember,
    actor: StaffMember,
    appointment_type: AppointmentType | str,
    channel: Channel | str,
    starts_at: datetime,
    length_minutes: int,
    private_room: bool = False,
    short_notice_consent: bool = False,
    confirmed_warnings: Collection[str] = (),
    override_reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment. Raises BookingRefused for blocks, or for warnings not confirmed with a reason."""
    with transaction.atomic():
        return _book(
            claimant=claimant,
            coach=coach,
            actor=actor,
            appointment_type=str(appointment_type),
            channel=str(channel),
            starts_at=starts_at,
            length_minutes=length_minutes,
            private_room=private_room,
            short_notice_consent=short_notice_consent,
            confirmed_warnings=confirmed_warnings,
            override_reason=override_reason,
            rebooked_from=None,
            now=now or timezone.now(),
        )


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related(*selectors.APPOINTMENT_RELATED)
        .get(pk=appointment.pk)
    )


def _move(appointment: Appointment, *, to: Status, facts: OutcomeFacts) -> None:
    problems = transition_problems(appointment.status, to, facts)
    if problems:
        raise OutcomeRefused(problems)


def appointment_rebook(
    *,
    appointment: Appointment,
    actor: StaffMember,
    starts_at: datetime,
    length_minutes: int,
    appointment_type: AppointmentType | str,
    channel: Channel | str,
    coach: StaffMember | None = None,
    private_room: bool = False,
    short_notice_consent: bool = False,
    confirmed_warnings: Collection[str] = (),
    override_reason: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment: a new one is booked (``rebooked_from`` the old) and the old one is 'rescheduled'."""
    now = now or timezone.now()
    with transaction.atomic():
        old = _lock_appointment(appointment)
        _require(selectors.can_manage(actor, old), "You cannot change this appointment.")
        if old.status != Status.BOOKED:
            raise OutcomeRefused(
                transition_problems(old.status, Status.RESCHEDULED, OutcomeFacts(now, old.starts_at))
            )
        new = _book(
            claimant=old.claimant,
            coach=coach or old.coach,
            actor=actor,
            appointment_type=str(appointment_type),
            channel=str(channel),
            starts_at=starts_at,
            length_minutes=length_minutes,
            private_room=private_room,
            short_notice_consent=short_notice_consent,
            confirmed_warnings=confirmed_warnings,
            override_reason=override_reason,
            rebooked_from=old,
            now=now,
        )
        _move(old, to=Status.RESCHEDULED, facts=OutcomeFacts(now, old.starts_at, replacement_booked=True))
        old.status = Status.RESCHEDULED
        old.cancelled_reason = reason.strip()[:300]
        old.outcome_recorded_by, old.outcome_recorded_at = actor, now
        old.save(update_fields=["status", "cancelled_reason", "outcome_recorded_by", "outcome_recorded_at"])
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=old,
            payload={"status": Status.RESCHEDULED, "rebooked_as": new.pk, "reason": old.cancelled_reason},
        )
        appointment.status = old.status
        return new


def appointment_cancel(
    *,
    appointment: Appointment,
    actor: StaffMember,
    by: Status | str,
    reason: str,
    now: datetime | None = None,
) -> Appointment:
    """Cancel, by the claimant or by the Jobcentre, with the reason."""
    now = now or timezone.now()
    by = Status(by)
    if by not in CANCELLED_STATUSES:
        raise ValueError(f"{by} is not a cancellation")
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        _require(selectors.can_manage(actor, locked), "You cannot change this appointment.")
        _move(locked, to=by, facts=OutcomeFacts(now, locked.starts_at, cancelled_reason=reason))
        locked.status = by
        locked.cancelled_reason = reason.strip()[:300]
        locked.outcome_recorded_by, locked.outcome_recorded_at = actor, now
        locked.save(
            update_fields=["status", "cancelled_reason", "outcome_recorded_by", "outcome_recorded_at"]
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=locked,
            payload={"status": by, "reason": locked.cancelled_reason},
        )
        figures_changed(claimant_ids=[locked.claimant_id])
        appointment.status, appointment.cancelled_reason = locked.status, locked.cancelled_reason
        return locked


# --- Recording an outcome --------------------------------------------------------------------------------


def appointment_record_outcome(
    *,
    appointment: Appointment,
    actor: StaffMember,
    outcome: Status | str,
    contact_attempt: ContactAttemptInput | None = None,
    good_reason: GoodReasonInput | None = None,
    cancelled_reason: str = "",
    note: str = "",
    barriers: Sequence[BarrierKind | str] = (),
    actions: Sequence[ActionInput] = (),
    next_appointment: NextAppointmentInput | None = None,
    plan_review: PlanReviewInput | None = None,
    now: datetime | None = None,
) -> OutcomeResult:
    """Record what happened, all or nothing: the contact attempt and good-reason decision (kept as rows), the
    outcome (guarded by the status registry), a case note, barriers (as circumstances; health and domestic
    abuse always sensitive), agreed actions (each may serve a step of the progression plan), the progression
    plan's review (only at an appointment that was held) and the next appointment. Raises OutcomeRefused with
    every problem found; then nothing at all is saved."""
    now = now or timezone.now()
    outcome = Status(outcome)
    problems: list[GuardFailure] = []
    booking_refusal: BookingRefused | None = None
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        _require(selectors.can_manage(actor, locked), "You cannot record the outcome of this appointment.")
        claimant = locked.claimant
        result = OutcomeResult(appointment=locked)

        if contact_attempt is not None:
            _record_contact_attempt(locked, contact_attempt, actor)
        if good_reason is not None:
            _record_good_reason(locked, good_reason, actor, now)

        if next_appointment is not None:
            try:
                result.next_appointment = _book(
                    claimant=claimant,
                    coach=next_appointment.coach or locked.coach,
                    actor=actor,
                    appointment_type=str(next_appointment.appointment_type),
                    channel=str(next_appointment.channel),
                    starts_at=next_appointment.starts_at,
                    length_minutes=next_appointment.length_minutes,
                    private_room=next_appointment.private_room,
                    short_notice_consent=next_appointment.short_notice_consent,
                    confirmed_warnings=next_appointment.confirmed_warnings,
                    override_reason=next_appointment.override_reason,
                    rebooked_from=locked if outcome == Status.RESCHEDULED else None,
                    now=now,
                )
            except BookingRefused as refusal:
                booking_refusal = refusal

        latest = locked.good_reason_decisions.order_by("-at", "-pk").first()
        facts = OutcomeFacts(
            now=now,
            starts_at=locked.starts_at,
            contact_attempts=locked.contact_attempts.count(),
            good_reason=latest.decision if latest else None,
            good_reason_text=latest.reason if latest else "",
            cancelled_reason=cancelled_reason,
            replacement_booked=result.next_appointment is not None,
        )
        problems.extend(transition_problems(locked.status, outcome, facts))
        plan = None
        if plan_review is not None:
            plan = plan_for(claimant)
            if plan is None:
                problems.append(
                    GuardFailure("plan_review", "This claimant has no progression plan to review")
                )
            elif outcome not in (Status.ATTENDED, Status.LATE):
                problems.append(
                    GuardFailure(
                        "plan_review",
                        "A plan is reviewed with the claimant: record a review only for an appointment they came to",
                    )
                )
        steps = _plan_steps_of(claimant, [a.plan_step_id for a in actions if a.plan_step_id])
        if any(a.plan_step_id and a.plan_step_id not in steps for a in actions):
            problems.append(GuardFailure("plan_step", "That step is not in this claimant's progression plan"))
        if outcome == Status.RESCHEDULED and booking_refusal is not None:
            problems = [p for p in problems if p.field != "next_appointment"]
        if problems or booking_refusal is not None:
            raise OutcomeRefused(problems, booking_refusal)

        locked.status = outcome
        locked.outcome_recorded_by, locked.outcome_recorded_at = actor, now
        if outcome in CANCELLED_STATUSES or outcome == Status.RESCHEDULED:
            locked.cancelled_reason = cancelled_reason.strip()[:300]
        locked.save(
            update_fields=["status", "outcome_recorded_by", "outcome_recorded_at", "cancelled_reason"]
        )
        payload: dict[str, Any] = {"status": outcome}
        if latest is not None:
            payload["good_reason"] = latest.decision
        audit_record(actor=actor, verb=AuditVerb.UPDATED, target=locked, payload=payload)
        # Unrecorded outcomes, failures to attend, agreed actions: recounted once the outcome commits.
        figures_changed(claimant_ids=[claimant.pk])

        if note.strip():
            result.note = CaseNote.objects.create(
                claimant=claimant, appointment=locked, author=actor, text=note.strip()
            )
            audit_record(
                actor=actor, verb=AuditVerb.CREATED, target=result.note, payload={"appointment": locked.pk}
            )

        _record_barriers(claimant=claimant, actor=actor, kinds=barriers, result=result)

        for item in actions:
            action = AgreedAction.objects.create(
                claimant=claimant,
                origin_appointment=locked,
                category=str(item.category),
                description=item.description.strip()[:300],
                due_on=item.due_on,
                follow_up_on=item.follow_up_on,
                created_by=actor,
                plan_step_id=item.plan_step_id,
            )
            audit_record(
                actor=actor,
                verb=AuditVerb.CREATED,
                target=action,
                payload={
                    "category": action.category,
                    "due_on": action.due_on.isoformat(),
                    **({"plan_step": action.plan_step_id} if action.plan_step_id else {}),
                },
            )
            result.actions.append(action)
        if plan is not None and plan_review is not None:
            result.plan_review = plan_review_record(
                plan=plan,
                actor=actor,
                reviewed_on=locked.starts_at.astimezone(selectors.LONDON).date(),
                what_changed=plan_review.what_changed,
                steps_done=plan_review.steps_done,
            )
            locked.plan_review = result.plan_review
            locked.save(update_fields=["plan_review"])
            audit_record(
                actor=actor,
                verb=AuditVerb.UPDATED,
                target=locked,
                payload={"plan_review": result.plan_review.pk},
            )
        appointment.status = locked.status
        return result


def _plan_steps_of(claimant: Claimant, step_ids: Sequence[int]) -> set[int]:
    """Which of these plan steps belong to the claimant's plan (one query; none asked, none run)."""
    if not step_ids:
        return set()
    return set(PlanStep.objects.filter(pk__in=step_ids, plan__claimant=claimant).values_list("pk", flat=True))


def agreed_actions_link_step(
    *, step: PlanStep, actions: Sequence[AgreedAction], actor: StaffMember
) -> tuple[int, int]:
    """Make exactly ``actions`` the agreed actions serving ``step``: link the ones given (moving any from another
    step) and unlink the step's others. Each change is audited. Returns (linked, unlinked)."""
    with transaction.atomic():
        claimant = Claimant.objects.select_for_update().get(pk=step.plan.claimant_id)
        _require(selectors.can_book_for(actor, claimant), "You cannot change this claimant's actions.")
        wanted = {a.pk for a in actions}
        if AgreedAction.objects.filter(pk__in=wanted).exclude(claimant=claimant).exists():
            raise ValidationError("Choose agreed actions of this claimant")
        linked = unlinked = 0
        for action in AgreedAction.objects.select_for_update().filter(Q(pk__in=wanted) | Q(plan_step=step)):
            new = step.pk if action.pk in wanted else None
            if action.plan_step_id == new:
                continue
            before = action.plan_step_id
            action.plan_step_id = new
            action.save(update_fields=["plan_step"])
            audit_record(
                actor=actor, verb=AuditVerb.UPDATED, target=action, payload={"plan_step": [before, new]}
            )
            if new:
                linked += 1
            else:
                unlinked += 1
        return linked, unlinked


def appointment_record_self_assessment(
    *,
    appointment: Appointment,
    actor: StaffMember,
    scores: dict[str, int],
    words: dict[str, str] | None = None,
) -> SelfAssessment:
    """A distance-travelled self-assessment made at this appointment (dated its day), kept by the claimants
    service and linked to the appointment. One per appointment: a second is refused."""
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        _require(
            selectors.can_manage(actor, locked), "You cannot record a self-assessment at this appointment."
        )
        if locked.self_assessment_id is not None:
            raise ValidationError("A self-assessment is already recorded for this appointment")
        day = locked.starts_at.astimezone(selectors.LONDON).date()
        assessment = self_assessment_record(
            claimant=locked.claimant, actor=actor, assessed_on=day, scores=scores, words=words
        )
        locked.self_assessment = assessment
        locked.save(update_fields=["self_assessment"])
        audit_record(
            actor=actor, verb=AuditVerb.UPDATED, target=locked, payload={"self_assessment": assessment.pk}
        )
        return assessment


def _record_contact_attempt(locked: Appointment, attempt: ContactAttemptInput, actor: StaffMember) -> None:
    row = ContactAttempt.objects.create(
        appointment=locked,
        at=attempt.at,
        method=str(attempt.method),
        result=attempt.result.strip()[:300],
        recorded_by=actor,
    )
    audit_record(actor=actor, verb=AuditVerb.CREATED, target=row, payload={"appointment": locked.pk})


def _record_good_reason(
    locked: Appointment, good_reason: GoodReasonInput, actor: StaffMember, now: datetime
) -> None:
    decision = GoodReasonDecision.objects.create(
        appointment=locked,
        decision=str(good_reason.decision),
        reason=good_reason.reason.strip(),
        decided_by=actor,
        at=now,
    )
    audit_record(
        actor=actor,
        verb=AuditVerb.CREATED,
        target=decision,
        payload={"appointment": locked.pk, "decision": decision.decision},
    )


def _record_barriers(
    *, claimant: Claimant, actor: StaffMember, kinds: Sequence[str], result: OutcomeResult
) -> None:
    """A circumstance per barrier identified, unless one of that kind is already open for the claimant."""
    wanted = list(dict.fromkeys(str(k) for k in kinds))
    if not wanted:
        return
    open_kinds = set(
        Circumstance.objects.filter(claimant=claimant, kind__in=wanted, resolved_on__isnull=True).values_list(
            "kind", flat=True
        )
    )
    for kind in wanted:
        label = BarrierKind(kind).label
        if kind in open_kinds:
            result.barriers_already_recorded.append(label)
            continue
        circumstance = Circumstance.objects.create(
            claimant=claimant, kind=kind, sensitive=kind in SENSITIVE_BARRIERS, recorded_by=actor
        )
        # The kind of a sensitive circumstance is itself sensitive: the audit keeps only that one was added.
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=circumstance,
            payload={"sensitive": True} if circumstance.sensitive else {"kind": kind},
        )
        result.barriers_added.append(label)


def appointment_record_contact_attempt(
    *,
    appointment: Appointment,
    actor: StaffMember,
    contact_attempt: ContactAttemptInput,
    good_reason: GoodReasonInput | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Keep a contact attempt (and a good-reason decision or "not decided yet", and a note) for a claimant who
    did not come, before the outcome is known. The appointment stays 'booked', so it stays on the coach's list
    of outcomes to record."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        _require(
            selectors.can_manage(actor, locked), "You cannot record a contact attempt for this appointment."
        )
        if locked.status != Status.BOOKED:
            raise OutcomeRefused(
                transition_problems(locked.status, Status.FAILED_TO_ATTEND, OutcomeFacts(now, now))
            )
        _record_contact_attempt(locked, contact_attempt, actor)
        if good_reason is not None:
            _record_good_reason(locked, good_reason, actor, now)
            figures_changed(claimant_ids=[locked.claimant_id])
        if note.strip():
            case_note = CaseNote.objects.create(
                claimant=locked.claimant, appointment=locked, author=actor, text=note.strip()
            )
            audit_record(
                actor=actor, verb=AuditVerb.CREATED, target=case_note, payload={"appointment": locked.pk}
            )
        return locked


def agreed_action_close(
    *, action: AgreedAction, actor: StaffMember, done: bool, on: date | None = None
) -> AgreedAction:
    """Mark an agreed action done or not done."""
    with transaction.atomic():
        locked = (
            AgreedAction.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=action.pk)
        )
        _require(selectors.can_book_for(actor, locked.claimant), "You cannot change this claimant's actions.")
        if locked.status != ActionStatus.OPEN:
            raise ValidationError("This action is already closed.")
        locked.status = ActionStatus.DONE if done else ActionStatus.NOT_DONE
        locked.completed_on = on or selectors.local_today()
        locked.save(update_fields=["status", "completed_on"])
        audit_record(actor=actor, verb=AuditVerb.UPDATED, target=locked, payload={"status": locked.status})
        figures_changed(claimant_ids=[locked.claimant_id])  # overdue agreed actions
        return locked


# --- Reminders --------------------------------------------------------------------------------------------

LONDON = selectors.LONDON  # reminders speak Jobcentre (UK) time


def _appointment_message(a: Appointment) -> tuple[str, str]:
    start = a.starts_at.astimezone(LONDON)
    when = f"{start:%A} {start.day} {start:%B} at {start:%H:%M}"
    how = {
        Channel.FACE_TO_FACE: f"at {a.claimant.jobcentre.name} Jobcentre",
        Channel.PHONE: "by phone: we will call you",
        Channel.VIDEO: "by video call",
    }.get(a.channel, "")
    return (
        "Your Jobcentre appointment",
        f"You have an appointment with your work coach on {when}, {how}. It lasts about {a.length_minutes} "
        "minutes. If you cannot make it, contact us as soon as you can.",
    )


def _action_message(action: AgreedAction) -> tuple[str, str]:
    return (
        "Something you agreed with your work coach",
        f"You agreed to: {action.description} by {action.due_on.day} {action.due_on:%B %Y}. "
        "Tell your work coach how it went, or if you need help with it.",
    )


def _commitment_message(commitment: ClaimantCommitment) -> tuple[str, str]:
    by = commitment.accept_by
    when = f" by {by.day} {by:%B %Y}" if by else ""
    return (
        "Accept your claimant commitment",
        f"Your claimant commitment was waiting for you to accept it{when}. Accept it in your journal, or contact "
        "your work coach if anything in it is wrong.",
    )


def _reminder_create(
    *, kind: str, target_id: int, claimant: Claimant, message: tuple[str, str], now: datetime
) -> bool:
    """get_or_create under the unique (kind, target) constraint: a second run, even at the same moment,
    finds the first one's row instead of making another."""
    with transaction.atomic():
        reminder, created = Reminder.objects.get_or_create(
            kind=kind,
            target_id=target_id,
            defaults={
                "claimant": claimant,
                "channel": claimant.contact_preference,
                "due_at": now,
                "subject": message[0],
                "body": message[1],
            },
        )
        if created:
            audit_record(
                actor=None,
                verb=AuditVerb.CREATED,
                target=reminder,
                payload={"kind": kind, "target": target_id},
            )
        return created


def _has_reminder(kind: str) -> Exists:
    return Exists(Reminder.objects.filter(kind=kind, target_id=OuterRef("pk")))


def reminders_create_due(*, now: datetime | None = None) -> dict[str, int]:
    """Reminders for appointments in the next 24 hours, agreed actions past their due date, and claimant
    commitments issued but not accepted by their accept-by date. Only targets without one are looked at."""
    now = now or timezone.now()
    today = selectors.local_today(now)
    counts = dict.fromkeys(ReminderKind.values, 0)

    sources = (
        (
            ReminderKind.APPOINTMENT,
            Appointment.objects.filter(
                status=Status.BOOKED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
            ).select_related("claimant__jobcentre"),
            _appointment_message,
        ),
        (
            ReminderKind.OVERDUE_ACTION,
            AgreedAction.objects.filter(status=ActionStatus.OPEN, due_on__lt=today).select_related(
                "claimant"
            ),
            _action_message,
        ),
        (
            ReminderKind.COMMITMENT_NOT_ACCEPTED,
            ClaimantCommitment.objects.filter(
                status=CommitmentStatus.ISSUED, accept_by__lt=today
            ).select_related("claimant"),
            _commitment_message,
        ),
    )
    for kind, targets, message in sources:
        for target in targets.filter(~_has_reminder(kind)).iterator(chunk_size=500):
            counts[kind] += _reminder_create(
                kind=kind, target_id=target.pk, claimant=target.claimant, message=message(target), now=now
            )
    return counts


def _still_wanted(reminder: Reminder, now: datetime) -> bool:
    """A reminder whose reason has gone (appointment moved or started, action done, commitment accepted) is
    withdrawn instead of sent."""
    if reminder.kind == ReminderKind.APPOINTMENT:
        return Appointment.objects.filter(
            pk=reminder.target_id, status=Status.BOOKED, starts_at__gt=now
        ).exists()
    if reminder.kind == ReminderKind.OVERDUE_ACTION:
        return AgreedAction.objects.filter(pk=reminder.target_id, status=ActionStatus.OPEN).exists()
    return ClaimantCommitment.objects.filter(pk=reminder.target_id, status=CommitmentStatus.ISSUED).exists()


MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=15)


def reminders_send_pending(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Send pending reminders through the notification backend, each at most once.

    Each reminder is first claimed ('sending', committed) under ``select_for_update(skip_locked=True)``, so a
    second run at the same moment skips it; only then is it handed to the backend. A backend error puts it
    back to 'pending' for the next run (up to three attempts, then 'failed' with the error kept).
    """
    from appointments.notifications import get_backend

    now = now or timezone.now()
    backend = get_backend()
    counts = {"sent": 0, "to_send": 0, "withdrawn": 0, "failed": 0, "retry": 0}
    while True:
        with transaction.atomic():
            claimed = list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status=ReminderStatus.PENDING, due_at__lte=now)
                .order_by("due_at", "pk")[:batch]
            )
            ids = [r.pk for r in claimed]
            Reminder.objects.filter(pk__in=ids).update(
                status=ReminderStatus.SENDING, attempts=F("attempts") + 1
            )
        if not claimed:
            return counts
        for reminder in (
            Reminder.objects.filter(pk__in=ids).select_related("claimant").order_by("due_at", "pk")
        ):
            counts[_deliver_one(reminder, backend=backend, now=now)] += 1


def _deliver_one(reminder: Reminder, *, backend: Any, now: datetime) -> str:
    due_at = reminder.due_at
    if not _still_wanted(reminder, now):
        outcome, error, sent_at = ReminderStatus.WITHDRAWN, "", None
    else:
        try:
            delivered = backend.deliver(reminder)
        except Exception as exc:  # a mail server or gateway error: keep it, try again next run
            log.warning("Reminder %s could not be delivered: %s", reminder.pk, exc)
            outcome = ReminderStatus.FAILED if reminder.attempts >= MAX_ATTEMPTS else ReminderStatus.PENDING
            error, sent_at = str(exc)[:300], None
            due_at = now + RETRY_AFTER
        else:
            outcome, error = delivered.status, delivered.detail[:300]
            sent_at = timezone.now() if outcome == ReminderStatus.SENT else None
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(
            status=outcome, last_error=error, sent_at=sent_at, due_at=due_at
        )
        audit_record(
            actor=None,
            verb=AuditVerb.UPDATED,
            target_type=Reminder._meta.label_lower,
            target_id=reminder.pk,
            payload={"status": outcome, "channel": reminder.channel},
        )
    if outcome == ReminderStatus.PENDING:
        return "retry"
    return str(outcome)


REMINDERS_LOCK = "appointments:send_reminders:lock"


def reminders_run(*, now: datetime | None = None) -> dict[str, Any]:
    """The 15-minute job: create the reminders now due, then send them. One run at a time (a cache lock — Redis
    in production); safe even without the lock, by the unique constraint and the row claims."""
    import uuid

    from django.core.cache import cache

    token = uuid.uuid4().hex
    if not cache.add(REMINDERS_LOCK, token, timeout=14 * 60):
        return {"skipped": "another run holds the lock"}
    try:
        created = reminders_create_due(now=now)
        delivered = reminders_send_pending(now=now)
        return {"created": created, "delivered": delivered}
    finally:
        if cache.get(REMINDERS_LOCK) == token:
            cache.delete(REMINDERS_LOCK)
