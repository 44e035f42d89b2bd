"""Pages for the Flexible Support Fund (issue #16): ask for an award from the claimant's record, an award's page
(with a team leader's decision, the payment, or withdrawing the request), the requests waiting for a decision, and
a jobcentre's budget for a financial year. Thin: forms validate, services write, selectors read. Another office's
award or budget is a 404; a role with no part in the fund is a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from claimants.models import SupportFundAward
from claimants.selectors import NOT_YOURS, claimants_visible_to
from claimants.support_fund import selectors
from claimants.support_fund.forms import AwardRequestForm, BudgetChoiceForm, DecisionForm, PaidForm
from claimants.support_fund.rules import AwardError, Eligible, Status, financial_year, money
from claimants.support_fund.services import (
    support_fund_approve,
    support_fund_mark_paid,
    support_fund_refuse,
    support_fund_request,
    support_fund_withdraw,
)
from iwp.access import role_required
from iwp.input import once
from iwp.models import Role

REQUESTERS = (Role.WORK_COACH, Role.TEAM_LEADER)
READERS = (Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)


def _award_url(award: SupportFundAward) -> str:
    return reverse("claimants:support_fund_award", args=[award.pk])


def _add_error(form, error: AwardError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@role_required(*REQUESTERS)
@require_http_methods(["GET", "POST"])
def request_award(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = get_object_or_404(claimants_visible_to(request.user).select_related("jobcentre"), pk=pk)
    if not selectors.may_request(request.user, claimant):
        raise PermissionDenied(NOT_YOURS)
    if request.method == "POST" and (done := once.submitted(request)):
        messages.info(request, "That request was already sent: this is the award.")
        return redirect(done.outcome_url or reverse("claimants:record", args=[pk]))
    form = AwardRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                submission = once.claim(request)
                award = support_fund_request(claimant=claimant, actor=request.user, **form.cleaned_data)
                once.record_outcome(submission, _award_url(award))
        except once.AlreadySubmitted as done:
            messages.info(request, "That request was already sent: this is the award.")
            return redirect(done.outcome_url or reverse("claimants:record", args=[pk]))
        except AwardError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                f"Request for {money(award.amount)} sent to a team leader for a decision.",
            )
            return redirect(_award_url(award))
    today = timezone.localdate()
    return render(
        request,
        "claimants/support_fund/request.html",
        {
            "title": "Request a Flexible Support Fund award",
            "claimant": claimant,
            "form": form,
            "form_token": once.token_for(request),
            "today": today,
            "overview": selectors.eligibility_overview(claimant, on=today),
            "budget": selectors.budget_summary(claimant.jobcentre, financial_year(today)),
        },
    )


def _award(request: HttpRequest, award_id: int) -> SupportFundAward:
    try:
        return selectors.award_for(request.user, award_id)
    except SupportFundAward.DoesNotExist:
        raise Http404("No such award") from None


def _render_award(
    request: HttpRequest,
    award: SupportFundAward,
    *,
    decision_form: DecisionForm | None = None,
    paid_form: PaidForm | None = None,
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    may_decide = selectors.may_decide(user, award)
    waiting = award.status == Status.REQUESTED
    check = (
        selectors.eligibility_for(
            award.claimant, purpose=award.purpose, amount=award.amount, on=award.requested_on
        )
        if waiting
        else None
    )
    if may_decide and waiting and decision_form is None:
        decision_form = DecisionForm(unknown_eligibility=check.status == Eligible.UNKNOWN)
    if may_decide and award.status == Status.APPROVED and paid_form is None:
        paid_form = PaidForm()
    budget_year = award.budget.financial_year if award.budget else financial_year(today)
    return render(
        request,
        "claimants/support_fund/award.html",
        {
            "title": f"Flexible Support Fund award: {money(award.amount)}",
            "award": award,
            "claimant": award.claimant,
            "check": check,
            "check_changed": bool(check and check.status != award.eligibility),
            "decision_form": decision_form if may_decide and waiting else None,
            "paid_form": paid_form if may_decide and award.status == Status.APPROVED else None,
            "may_withdraw": waiting and selectors.may_withdraw(user, award),
            "own_request": waiting and award.requested_by_id == user.pk,
            "budget": selectors.budget_summary(award.claimant.jobcentre, budget_year),
            # The form with errors, if any (the error summary and the page title read ``form``).
            "form": next((f for f in (decision_form, paid_form) if f is not None and f.is_bound), None),
        },
    )


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def award_detail(request: HttpRequest, award_id: int) -> HttpResponse:
    """The award. A team leader of the claimant's jobcentre (not the person who asked) decides a request here, and
    records the payment of an approved award (``action``: decide or paid)."""
    award = _award(request, award_id)
    if request.method == "GET":
        return _render_award(request, award)
    if not selectors.may_decide(request.user, award):
        raise PermissionDenied(
            "Only a team leader of the claimant's jobcentre, not the person who asked, can decide or pay an award."
        )
    if request.POST.get("action") == "paid":
        return _paid(request, award)
    return _decide(request, award)


def _decide(request: HttpRequest, award: SupportFundAward) -> HttpResponse:
    if award.status != Status.REQUESTED:
        messages.info(
            request, f"This award has already been decided: it is {award.get_status_display().lower()}."
        )
        return redirect(_award_url(award))
    check = selectors.eligibility_for(
        award.claimant, purpose=award.purpose, amount=award.amount, on=award.requested_on
    )
    form = DecisionForm(request.POST, unknown_eligibility=check.status == Eligible.UNKNOWN)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == DecisionForm.APPROVE:
                support_fund_approve(
                    award=award,
                    actor=request.user,
                    note=data["reason"],
                    confirm_unknown_eligibility=bool(data.get("confirm_unknown_eligibility")),
                )
                message = f"Award of {money(award.amount)} approved and committed against the budget."
            else:
                support_fund_refuse(award=award, actor=request.user, reason=data["reason"])
                message = "Award refused. The work coach can see your reason."
        except AwardError as error:
            _add_error(form, error)
        else:
            messages.success(request, message)
            return redirect(_award_url(award))
    return _render_award(request, selectors.award_for(request.user, award.pk), decision_form=form)


def _paid(request: HttpRequest, award: SupportFundAward) -> HttpResponse:
    if award.status != Status.APPROVED:
        messages.info(request, f"This award is {award.get_status_display().lower()}: it cannot be paid now.")
        return redirect(_award_url(award))
    form = PaidForm(request.POST)
    if form.is_valid():
        try:
            support_fund_mark_paid(award=award, actor=request.user, reference=form.cleaned_data["reference"])
        except AwardError as error:
            messages.info(request, error.message)
            return redirect(_award_url(award))
        messages.success(request, f"Recorded as paid: {money(award.amount)} is now spent from the budget.")
        return redirect(_award_url(award))
    return _render_award(request, award, paid_form=form)


@require_POST
@role_required(*REQUESTERS)
def award_withdraw(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award(request, award_id)
    if not selectors.may_withdraw(request.user, award):
        raise PermissionDenied("You can withdraw only requests for your claimants.")
    try:
        support_fund_withdraw(award=award, actor=request.user)
    except AwardError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, "Request withdrawn. Nothing was committed against the budget.")
    return redirect(_award_url(award))


@role_required(Role.TEAM_LEADER)
def waiting(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision in the leader's jobcentre (district, for a district leader), oldest
    first, with each jobcentre's budget left this financial year."""
    awards = selectors.awards_waiting_for(request.user)
    today = timezone.localdate()
    offices = {a.claimant.jobcentre_id: a.claimant.jobcentre for a in awards}
    if request.user.jobcentre_id and request.user.jobcentre_id not in offices:
        offices[request.user.jobcentre_id] = request.user.jobcentre
    budgets = selectors.budget_summaries(
        sorted(offices.values(), key=lambda j: j.name), financial_year(today)
    )
    return render(
        request,
        "claimants/support_fund/waiting.html",
        {
            "title": "Flexible Support Fund requests waiting for a decision",
            "awards": awards,
            "budgets": budgets,
            "user_id": request.user.pk,
        },
    )


@role_required(*READERS)
def budget(request: HttpRequest) -> HttpResponse:
    """A jobcentre's budget for a financial year: the budget, committed (approved, not yet paid), spent (paid),
    what is left, and the awards behind the sums."""
    today = timezone.localdate()
    jobcentres = list(selectors.jobcentres_for_budgets(request.user))
    if not jobcentres:
        raise Http404("No jobcentre")
    years = selectors.budget_years(jobcentres, today=today)
    by_id = {j.pk: j for j in jobcentres}
    asked = request.GET.get("jobcentre", "")
    if asked.isdigit() and int(asked) not in by_id:
        raise Http404("Not a jobcentre you can see")  # another office's budget: as if it did not exist
    form = BudgetChoiceForm(request.GET or None, jobcentres=jobcentres, years=years)
    chosen: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        chosen = form.cleaned_data  # the fields that are right (a bad year keeps the jobcentre chosen)
    default_office = by_id.get(request.user.jobcentre_id) or jobcentres[0]
    office = by_id.get(chosen.get("jobcentre") or 0, default_office)
    year = chosen.get("year") or financial_year(today)
    summary = selectors.budget_summary(office, year)
    return render(
        request,
        "claimants/support_fund/budget.html",
        {
            "title": f"Flexible Support Fund budget: {office.name}",
            "form": form,
            "errors": [(f"id_{name}", e) for name, errs in form.errors.items() for e in errs],
            "jobcentres": jobcentres,
            "years": years,
            "office": office,
            "year": year,
            "summary": summary,
            "awards": selectors.awards_charged_to(summary.budget),
            "is_leader": request.user.effective_role == Role.TEAM_LEADER,
        },
    )
