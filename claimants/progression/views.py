"""Pages for the progression plan and distance travelled (issue #16): the claimant's progression page (plan,
reviews, self-assessments, hours and pay), the plan editor and the self-assessment form. Thin: forms validate,
services write, selectors read.

Who: work coaches, team leaders and administrators who may open the claimant's record read the page; the people
who may change the record (``may_edit``: the claimant's coach, the jobcentre's team leaders, administrators)
change the plan and record self-assessments, and only they see the answers (the claimant's own words, and one
question is about health); others see that self-assessments exist and when.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from claimants.commitments.forms import error_links
from claimants.models import Claimant
from claimants.progression import selectors, services
from claimants.progression.forms import PlanForm, SelfAssessmentForm, step_formset
from claimants.progression.rules import HIGHEST_TOTAL, LOWEST_TOTAL, QUESTIONS
from claimants.record.views import CASEWORK_ROLES, may_edit
from claimants.selectors import claimant_to_edit, claimants_visible_to
from iwp.access import role_required
from iwp.input import once


def _claimant(request: HttpRequest, pk: int) -> Claimant:
    return get_object_or_404(claimants_visible_to(request.user).select_related("coach", "jobcentre"), pk=pk)


def _editable(request: HttpRequest, pk: int) -> Claimant:
    """404 outside the reading rule, 403 unless ``may_edit``."""
    return claimant_to_edit(request.user, pk)


def _page_url(claimant: Claimant) -> str:
    return reverse("claimants:progression", args=[claimant.pk])


@role_required(*CASEWORK_ROLES)
def progression(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _claimant(request, pk)
    can_edit = may_edit(request.user, claimant)
    plan = selectors.plan_view(claimant, reviews=20, with_add_links=can_edit)
    periods = selectors.earnings_progression(claimant)
    return render(
        request,
        "claimants/progression/progression.html",
        {
            "title": f"{claimant.full_name}: progression",
            "claimant": claimant,
            "can_edit": can_edit,
            "plan": plan,
            "distance": selectors.distance_travelled(claimant),
            "show_answers": can_edit,
            "periods": periods,
            "progress_summary": selectors.progression_summary(periods),
            "lowest": LOWEST_TOTAL,
            "highest": HIGHEST_TOTAL,
            "questions": QUESTIONS,
        },
    )


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or change the plan. The form carries the lock version it was loaded with; a stale one saves
    nothing and says so, keeping what was typed."""
    claimant = _editable(request, pk)
    today = timezone.localdate()
    plan = selectors.plan_for(claimant)
    if request.method == "GET":
        form = PlanForm(initial=PlanForm.initial_for(plan))
        steps = step_formset(plan, today=today)
        return _render_editor(request, claimant, plan, form, steps)
    form = PlanForm(request.POST)
    steps = step_formset(plan, data=request.POST, today=today)
    form_valid = form.is_valid()
    if plan is not None and form.cleaned_data.get("lock_version") != plan.lock_version:
        # Checked before the steps are matched: the page's lines must never be matched against someone else's
        # (the service's check still catches a change landing between here and the write).
        form.add_error(None, services.CONFLICT_MESSAGE)
        return _render_editor(request, claimant, plan, form, steps, status=409, conflict=True)
    if not (form_valid and steps.is_valid()):
        return _render_editor(request, claimant, plan, form, steps)
    try:
        saved, changes = services.plan_save(
            claimant=claimant,
            actor=request.user,
            goal=form.cleaned_data["goal"],
            route=form.cleaned_data["route"],
            career_in=form.cleaned_data.get("career_in", ""),
            steps=steps.changes(),
            lock_version=form.cleaned_data.get("lock_version") if plan is not None else None,
            today=today,
        )
    except services.PlanConflict as conflict:
        form.add_error(None, conflict.messages[0])
        return _render_editor(request, claimant, plan, form, steps, status=409, conflict=True)
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            for message in problems:
                form.add_error(name if name in form.fields else None, message)
        return _render_editor(request, claimant, plan, form, steps)
    if not changes:
        messages.info(request, "Nothing changed in the plan.")
    elif plan is None:
        messages.success(request, f"Progression plan saved for {claimant.full_name}.")
    else:
        messages.success(request, "Plan updated: " + "; ".join(changes) + ".")
    return redirect(_page_url(saved.claimant))


def _render_editor(
    request: HttpRequest,
    claimant: Claimant,
    plan: Any,
    form: PlanForm,
    steps: Any,
    *,
    status: int = 200,
    conflict: bool = False,
) -> HttpResponse:
    return render(
        request,
        "claimants/progression/plan_edit.html",
        {
            "title": f"{claimant.full_name}: {'change the' if plan else 'write a'} progression plan",
            "claimant": claimant,
            "plan": plan,
            "form": form,
            "steps": steps,
            "error_links": [(f"#{anchor}", message) for anchor, message in error_links(form, steps)],
            "conflict": conflict,
        },
        status=status,
    )


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def self_assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    if request.method == "POST" and once.submitted(request):
        messages.info(request, "That self-assessment was already saved.")
        return redirect(_page_url(claimant))
    form = SelfAssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                once.claim(request)
                assessment = services.self_assessment_record(
                    claimant=claimant,
                    actor=request.user,
                    assessed_on=form.cleaned_data["assessed_on"],
                    scores=form.scores(),
                    words=form.words(),
                )
        except once.AlreadySubmitted:
            messages.info(request, "That self-assessment was already saved.")
            return redirect(_page_url(claimant))
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                for message in problems:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, f"Self-assessment saved: a total of {assessment.total} out of {HIGHEST_TOTAL}."
            )
            return redirect(_page_url(claimant))
    return render_self_assessment(request, claimant, form, back_url=_page_url(claimant))


def render_self_assessment(
    request: HttpRequest,
    claimant: Claimant,
    form: SelfAssessmentForm,
    *,
    back_url: str,
    appointment: Any = None,
) -> HttpResponse:
    """The self-assessment page (also used by ``appointments`` for one recorded at an appointment)."""
    return render(
        request,
        "claimants/progression/self_assessment.html",
        {
            "title": f"{claimant.full_name}: self-assessment",
            "claimant": claimant,
            "form": form,
            "form_token": once.token_for(request),
            "error_links": [(f"#{anchor}", message) for anchor, message in error_links(form)],
            "back_url": back_url,
            "appointment": appointment,
            "lowest": LOWEST_TOTAL,
            "highest": HIGHEST_TOTAL,
        },
    )
