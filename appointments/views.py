"""Thin pages for appointments: read the form, call a service or selector, render.

Who may do what (see ``appointments.selectors``): work coaches and team leaders only (others 403); a claimant
or appointment outside the user's jobcentre is 404; changing an appointment that is neither theirs nor their
caseload's is 403 for a work coach.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from appointments import selectors, services
from appointments.forms import (
    AgreedActionFormSet,
    BookingForm,
    CancelForm,
    LinkActionsForm,
    NextAppointmentForm,
    OutcomeForm,
    PlanReviewForm,
    RebookForm,
    apply_outcome_refusal,
    blank_action_forms,
    blank_outcome_form,
    error_links,
)
from appointments.models import Appointment, AppointmentType
from appointments.rules import GoodReason, Status, outcome_open
from claimants.progression.forms import SelfAssessmentForm
from claimants.progression.rules import HIGHEST_TOTAL, LOWEST_TOTAL
from claimants.progression.selectors import open_step_choices, plan_for, step_with_claimant
from claimants.selectors import claimant_to_edit, may_edit
from iwp.access import role_required
from iwp.input import once
from iwp.models import Role, StaffMember

BOOKERS = (Role.WORK_COACH, Role.TEAM_LEADER)
LONDON = selectors.LONDON


def _claimant_for(request: HttpRequest, claimant_id: int):
    """The claimant to book for or plan with: 404 outside the reading rule, 403 unless ``may_edit``."""
    return claimant_to_edit(request.user, claimant_id, related=("coach",))


def _appointment_for(request: HttpRequest, pk: int) -> Appointment:
    appointment = get_object_or_404(
        selectors.appointments_visible_to(request.user).select_related("claimant__coach"), pk=pk
    )
    if not selectors.can_manage(request.user, appointment):
        raise PermissionDenied(
            "Only the claimant's coach, the appointment's coach or a team leader can change it."
        )
    return appointment


def _default_coach(user: StaffMember, claimant: Any) -> StaffMember | None:
    if user.effective_role == Role.WORK_COACH:
        return user
    return claimant.coach or None


def _booking_initial(*, start: datetime, coach: StaffMember | None, length: int = 30) -> dict[str, Any]:
    local = start.astimezone(LONDON)
    return {
        "date": local.date(),
        "time": local.time(),
        "length_minutes": length,
        "coach": coach.pk if coach else None,
    }


def _claimant_context(claimant: Any) -> dict[str, Any]:
    return {"claimant": claimant, "busy_times": selectors.claimant_busy_times(claimant)}


@role_required(*BOOKERS)
def book(request: HttpRequest, claimant_id: int) -> HttpResponse:
    """Book for a claimant: the rules block (short notice without consent, diary overlaps) or warn (work,
    caring, provision clashes, not the usual coach: "book anyway" with a reason)."""
    claimant = _claimant_for(request, claimant_id)
    coaches = selectors.coaches_for(claimant)
    if request.method == "POST" and (done := once.submitted(request)):
        messages.info(request, "That appointment was already booked: it is in the diary.")
        return redirect(done.outcome_url or "appointments:diary")
    if request.method == "POST":
        form = BookingForm(request.POST, claimant=claimant, coaches=coaches)
        if form.is_valid():
            try:
                with transaction.atomic():
                    submission = once.claim(request)
                    appointment = services.appointment_book(
                        claimant=claimant,
                        coach=form.cleaned_data["coach"],
                        actor=request.user,
                        **form.booking_kwargs(),
                    )
                    once.record_outcome(submission, reverse("appointments:diary"))
            except once.AlreadySubmitted as done:
                messages.info(request, "That appointment was already booked: it is in the diary.")
                return redirect(done.outcome_url or "appointments:diary")
            except services.BookingRefused as refusal:
                form.apply_refusal(refusal)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _booked_message(appointment))
                return redirect("appointments:diary")
    else:
        coach = _default_coach(request.user, claimant)
        start = selectors.suggested_booking_start(claimant=claimant, coach=coach, now=timezone.now())
        initial = _booking_initial(start=start, coach=coach)
        initial["appointment_type"] = (
            AppointmentType.INITIAL_IWP
            if not claimant.appointments.exists()
            else AppointmentType.PROGRESSION_REVIEW
        )
        form = BookingForm(initial=initial, claimant=claimant, coaches=coaches)
    return render(
        request,
        "appointments/book.html",
        {
            "title": f"Book an appointment for {claimant.full_name}",
            "form": form,
            "form_token": once.token_for(request),
            "errors": error_links(form),
            **_claimant_context(claimant),
        },
    )


def _booked_message(appointment: Appointment) -> str:
    start = appointment.starts_at.astimezone(LONDON)
    return (
        f"Appointment booked for {appointment.claimant.full_name} on {start:%A} {start.day} {start:%B %Y} at "
        f"{start:%H:%M} with {appointment.coach}."
    )


@role_required(*BOOKERS)
def rebook(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk)
    claimant = appointment.claimant
    if not appointment.is_booked:
        messages.info(request, f"This appointment is already {appointment.get_status_display().lower()}.")
        return redirect("appointments:diary")
    coaches = selectors.coaches_for(claimant)
    if request.method == "POST":
        form = RebookForm(request.POST, claimant=claimant, coaches=coaches)
        if form.is_valid():
            try:
                new = services.appointment_rebook(
                    appointment=appointment,
                    actor=request.user,
                    coach=form.cleaned_data["coach"],
                    reason=form.cleaned_data.get("reason", ""),
                    **form.booking_kwargs(),
                )
            except services.BookingRefused as refusal:
                form.apply_refusal(refusal)
            except ValidationError as exc:
                form.add_error(None, exc)
            except services.OutcomeRefused as refusal:  # someone else changed it meanwhile
                messages.info(request, str(refusal))
                return redirect("appointments:diary")
            else:
                messages.success(request, "Appointment moved. " + _booked_message(new))
                return redirect("appointments:diary")
    else:
        local = appointment.starts_at.astimezone(LONDON)
        form = RebookForm(
            initial={
                "date": local.date(),
                "time": local.time(),
                "appointment_type": appointment.appointment_type,
                "channel": appointment.channel,
                "length_minutes": appointment.length_minutes,
                "coach": appointment.coach_id,
                "private_room": appointment.private_room,
            },
            claimant=claimant,
            coaches=coaches,
        )
    return render(
        request,
        "appointments/rebook.html",
        {
            "title": f"Move {claimant.full_name}'s appointment",
            "form": form,
            "errors": error_links(form),
            "appointment": appointment,
            **_claimant_context(claimant),
        },
    )


@role_required(*BOOKERS)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk)
    if not appointment.is_booked:
        messages.info(request, f"This appointment is already {appointment.get_status_display().lower()}.")
        return redirect("appointments:diary")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment,
                actor=request.user,
                by=form.cleaned_data["by"],
                reason=form.cleaned_data["reason"],
            )
        except services.OutcomeRefused as refusal:  # someone else changed it meanwhile
            messages.info(request, str(refusal))
            return redirect("appointments:diary")
        messages.success(request, f"{appointment.claimant.full_name}'s appointment is cancelled.")
        return redirect("appointments:diary")
    return render(
        request,
        "appointments/cancel.html",
        {
            "title": f"Cancel {appointment.claimant.full_name}'s appointment",
            "form": form,
            "errors": error_links(form),
            "appointment": appointment,
        },
    )


@role_required(*BOOKERS)
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The one form for a 10-minute appointment: what happened, notes, barriers, agreed actions, next date."""
    appointment = _appointment_for(request, pk)
    claimant = appointment.claimant
    if not appointment.is_booked:
        messages.info(
            request, f"The outcome is already recorded: {appointment.get_status_display().lower()}."
        )
        return redirect("appointments:diary")
    if not outcome_open(now=timezone.now(), starts_at=appointment.starts_at):
        start = timezone.localtime(appointment.starts_at)
        messages.info(
            request,
            f"You can record the outcome once the appointment starts ({start:%H:%M} on {start.day} "
            f"{start:%B %Y}). To change it, move or cancel it.",
        )
        return redirect("claimants:record", claimant.pk)
    coaches = selectors.coaches_for(claimant)
    upcoming = (
        claimant.appointments.filter(status=Status.BOOKED, starts_at__gt=appointment.starts_at)
        .exclude(pk=appointment.pk)
        .select_related("coach")
        .order_by("starts_at")
        .first()
    )
    # The claimant's progression plan (issue #16): each action may serve a step; the plan may be reviewed.
    has_plan = plan_for(claimant) is not None
    step_choices = open_step_choices(claimant.pk) if has_plan else []
    action_kwargs = {"step_choices": step_choices}
    if request.method == "POST":
        # "Failed to attend, good reason not decided yet" cannot be an outcome yet: it is saved as what it is, the
        # contact attempt (the form offers it, so it must not then refuse it).
        contact_only = request.POST.get("save") == "contact_only" or (
            request.POST.get("outcome") == Status.FAILED_TO_ATTEND
            and request.POST.get("good_reason_decision") == GoodReason.NOT_YET_DECIDED
        )
        form = OutcomeForm(request.POST, contact_only=contact_only, appointment_start=appointment.starts_at)
        actions = AgreedActionFormSet(request.POST, prefix="actions", form_kwargs=action_kwargs)
        next_form = NextAppointmentForm(request.POST, prefix="next", claimant=claimant, coaches=coaches)
        plan_form = PlanReviewForm(request.POST, prefix="plan", has_plan=has_plan, step_choices=step_choices)
        valid = [f.is_valid() for f in (form, actions, next_form, plan_form)]
        if contact_only and all(valid):
            if plan_form.review_input() is not None:
                plan_form.add_error(
                    "reviewed", "The plan review is saved with the outcome: use 'Save outcome', or untick it"
                )
            elif form.cleaned_data.get("barriers") or actions.inputs():
                form.add_error(
                    "barriers",
                    "Barriers and agreed actions are saved with the outcome: use 'Save outcome', or clear them",
                )
            else:
                services.appointment_record_contact_attempt(
                    appointment=appointment,
                    actor=request.user,
                    contact_attempt=form.contact_attempt(),
                    good_reason=form.good_reason(),
                    note=form.cleaned_data.get("note", ""),
                )
                messages.success(
                    request,
                    f"Contact attempt saved for {claimant.full_name}. The appointment stays on your list of "
                    "outcomes to record.",
                )
                return redirect("appointments:diary")
        elif all(valid):
            try:
                result = services.appointment_record_outcome(
                    appointment=appointment,
                    actor=request.user,
                    outcome=form.status,
                    contact_attempt=form.contact_attempt(),
                    good_reason=form.good_reason(),
                    cancelled_reason=form.cleaned_data.get("cancelled_reason", ""),
                    note=form.cleaned_data.get("note", ""),
                    barriers=form.cleaned_data.get("barriers", []),
                    actions=actions.inputs(),
                    next_appointment=next_form.next_input(),
                    plan_review=plan_form.review_input(),
                )
            except services.OutcomeRefused as refusal:
                apply_outcome_refusal(refusal, outcome_form=form, next_form=next_form, plan_form=plan_form)
            except ValidationError as exc:  # the next appointment's coach left the Jobcentre meanwhile
                next_form.add_error(None, exc)
            else:
                messages.success(request, _outcome_message(result))
                return redirect("appointments:diary")
    else:
        usual = claimant.coach if claimant.coach_id else appointment.coach
        start = selectors.suggested_booking_start(
            claimant=claimant,
            coach=usual,
            now=timezone.now(),
            after=appointment.starts_at,
            length_minutes=appointment.length_minutes,
        )
        initial = _booking_initial(start=start, coach=usual, length=appointment.length_minutes)
        initial.update(
            appointment_type=AppointmentType.PROGRESSION_REVIEW,
            channel=appointment.channel,
            book_next="no" if upcoming else "yes",
        )
        form = OutcomeForm(initial={"contact_date": timezone.localdate()})
        actions = AgreedActionFormSet(prefix="actions", form_kwargs=action_kwargs)
        next_form = NextAppointmentForm(initial=initial, prefix="next", claimant=claimant, coaches=coaches)
        plan_form = PlanReviewForm(prefix="plan", has_plan=has_plan, step_choices=step_choices)
    action_errors = [error_links(f) for f in actions.forms] if actions.is_bound else []
    if actions.is_bound and actions.non_form_errors():
        action_errors.append([("id_actions-0-category", str(e)) for e in actions.non_form_errors()])
    more_actions_open = actions.is_bound and any(f.has_changed() or f.errors for f in actions.forms[1:])
    return render(
        request,
        "appointments/outcome.html",
        {
            "title": f"Record the outcome: {claimant.full_name}",
            "appointment": appointment,
            "claimant": claimant,
            "form": form,
            "actions": actions,
            "next_form": next_form,
            "upcoming": upcoming,
            "errors": error_links(form)
            + [link for links in action_errors for link in links]
            + (error_links(plan_form) if has_plan else [])
            + error_links(next_form),
            "plan_form": plan_form,
            "has_plan": has_plan,
            # The plan is changed by whoever may change the claimant's casework (may_edit).
            "can_change_plan": may_edit(request.user, claimant),
            "open_actions": selectors.claimant_actions(claimant, limit=5),
            "more_actions_open": more_actions_open,
            "blank_outcome_form": blank_outcome_form(form),
            "action_rows": list(
                zip(actions.forms, blank_action_forms(actions) or [None] * len(actions.forms), strict=True)
            ),
        },
    )


def _outcome_message(result: services.OutcomeResult) -> str:
    a = result.appointment
    parts = [f"Outcome recorded for {a.claimant.full_name}: {a.get_status_display().lower()}."]
    if result.actions:
        parts.append(f"{len(result.actions)} agreed action{'s' if len(result.actions) != 1 else ''} added.")
    if result.plan_review:
        parts.append("Progression plan review recorded.")
    if result.barriers_added:
        parts.append(f"Barriers recorded: {', '.join(result.barriers_added)}.")
    if result.next_appointment:
        start = result.next_appointment.starts_at.astimezone(LONDON)
        parts.append(f"Next appointment: {start:%A} {start.day} {start:%B} at {start:%H:%M}.")
    return " ".join(parts)


@role_required(*BOOKERS)
def diary(request: HttpRequest) -> HttpResponse:
    """Today and the next 7 days for the coach (team leaders may look at a coach of their jobcentre)."""
    coach: StaffMember = request.user
    coach_id = request.GET.get("coach", "")
    if request.user.effective_role == Role.TEAM_LEADER and coach_id.isdigit():
        coach = get_object_or_404(selectors.coaches_in_jobcentre(request.user.jobcentre_id), pk=int(coach_id))
    now = timezone.now()
    today = selectors.local_today(now)
    days = selectors.diary_days(coach, first_day=today, days=8)
    return render(
        request,
        "appointments/diary.html",
        {
            "title": "My diary" if coach == request.user else f"{coach}'s diary",
            "coach": coach,
            "days": days,
            "today": today,
            "now": now,
            "last_day": today + timedelta(days=7),
            "unrecorded_outcomes": list(selectors.unrecorded_outcomes_for_coach(coach, now=now)),
            "overdue_actions": list(selectors.overdue_actions_for_coach(coach, today=today)),
            "coaches": (
                list(selectors.coaches_in_jobcentre(request.user.jobcentre_id))
                if request.user.effective_role == Role.TEAM_LEADER
                else []
            ),
            "diary_url": reverse("appointments:diary"),
        },
    )


# --- The progression plan (issue #16) ---------------------------------------------------------------------------


@role_required(*BOOKERS)
def link_actions(request: HttpRequest, step_id: int) -> HttpResponse:
    """Which of the claimant's agreed actions serve one step of their progression plan (tick to link, untick to
    unlink). For the coaches and team leaders who may book for the claimant; another office's step is a 404."""
    step = step_with_claimant(step_id)
    if step is None:
        raise Http404("No such step")
    claimant = _claimant_for(request, step.plan.claimant_id)
    back = reverse("claimants:progression", args=[claimant.pk])
    candidates = selectors.actions_linkable_to_step(claimant)
    choices = [(a.pk, _action_choice(a, step.pk)) for a in candidates]
    initial = [a.pk for a in candidates if a.plan_step_id == step.pk]
    form = LinkActionsForm(request.POST or None, choices=choices, initial={"actions": initial})
    if request.method == "POST" and form.is_valid():
        chosen = [a for a in candidates if a.pk in set(form.cleaned_data["actions"])]
        linked, unlinked = services.agreed_actions_link_step(step=step, actions=chosen, actor=request.user)
        if linked or unlinked:
            messages.success(request, f"Agreed actions for ‘{step.text}’ saved.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect(back)
    return render(
        request,
        "appointments/link_actions.html",
        {
            "title": f"Agreed actions for a step of {claimant.full_name}'s plan",
            "claimant": claimant,
            "step": step,
            "form": form,
            "has_candidates": bool(candidates),
            "errors": error_links(form),
            "back_url": back,
        },
    )


def _action_choice(action: Any, step_id: int) -> str:
    due = f"due {action.due_on.day} {action.due_on:%B %Y}"
    state = due if action.status == "open" else action.get_status_display().lower()
    elsewhere = " – now serves another step" if action.plan_step_id and action.plan_step_id != step_id else ""
    return f"{action.description} ({state}){elsewhere}"


@role_required(*BOOKERS)
def appointment_self_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The distance-travelled self-assessment, made at this appointment (dated its day and linked to it)."""
    appointment = _appointment_for(request, pk)
    claimant = appointment.claimant
    back = reverse("claimants:progression", args=[claimant.pk])
    if appointment.self_assessment_id is not None:
        messages.info(request, "A self-assessment is already recorded for this appointment.")
        return redirect(back)
    if not outcome_open(now=timezone.now(), starts_at=appointment.starts_at):
        messages.info(request, "You can record a self-assessment once the appointment has started.")
        return redirect("claimants:record", claimant.pk)
    form = SelfAssessmentForm(request.POST or None, with_date=False)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.appointment_record_self_assessment(
                appointment=appointment, actor=request.user, scores=form.scores(), words=form.words()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Self-assessment saved: a total of {assessment.total} out of {HIGHEST_TOTAL}."
            )
            return redirect(back)
    return render(
        request,
        "claimants/progression/self_assessment.html",
        {
            "title": f"{claimant.full_name}: self-assessment",
            "claimant": claimant,
            "form": form,
            "error_links": [(f"#{anchor}", message) for anchor, message in error_links(form)],
            "back_url": reverse("appointments:outcome", args=[appointment.pk])
            if appointment.is_booked
            else back,
            "appointment": appointment,
            "lowest": LOWEST_TOTAL,
            "highest": HIGHEST_TOTAL,
        },
    )
