"""The one-screen claimant record and the forms that change it (thin: validate, call a service, redirect)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from claimants import services
from claimants.commitments.selectors import current_commitment
from claimants.facts.selectors import current_period_start
from claimants.facts.services import may_backdate
from claimants.models import Claimant, Employment, IwpOfferStatus, RegimeChoices
from claimants.record.caseload import registry as caseload_registry
from claimants.record.caseload import sort_choices
from claimants.record.charts import earnings_chart
from claimants.record.filter_tags import filter_groups
from claimants.record.forms import (
    CircumstanceForm,
    ClaimantDetailsForm,
    EarningsForm,
    EmploymentForm,
    ReassignForm,
    RegimeFactsForm,
    ShiftFormSet,
    TimelineFilterForm,
)
from claimants.selectors import (
    CASEWORK_ROLES,
    NOT_YOURS,
    CaseloadQuery,
    caseload_for,
    claimant_record,
    claimant_to_edit,
    claimants_visible_to,
    coaches_in_last_year,
    coaches_visible_to,
    may_edit,
    may_see_sensitive,
    regime_history,
)
from iwp import timeline
from iwp.access import has_role, role_required
from iwp.input import once
from iwp.models import Role


def _editable(request: HttpRequest, pk: int) -> Claimant:
    return claimant_to_edit(request.user, pk, related=())


def _form_page(request: HttpRequest, claimant: Claimant | None, title: str, form, **extra) -> HttpResponse:
    context = {"title": title, "claimant": claimant, "form": form, "form_token": once.token_for(request)}
    return render(request, "claimants/form_page.html", {**context, **extra})


@role_required(*CASEWORK_ROLES)
def record(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        claimant = claimant_record(pk, request.user)
    except Claimant.DoesNotExist:
        raise Http404("No such claimant") from None
    history = regime_history(claimant)
    circumstances = list(claimant.circumstances.all())
    current_assignment = next((a for a in claimant.coach_history.all() if a.unassigned_at is None), None)
    return render(
        request,
        "claimants/record.html",
        {
            "title": claimant.full_name,
            "claimant": claimant,
            "can_edit": may_edit(request.user, claimant),
            "can_see_sensitive": may_see_sensitive(request.user, claimant),
            "open_circumstances": [c for c in circumstances if not c.sensitive],
            "restricted_count": sum(c.sensitive for c in circumstances),
            "easements": claimant.easements.all(),
            "latest": history[-1] if history else None,
            "history": history,
            "chart": earnings_chart(history),
            "coaches_12_months": coaches_in_last_year(claimant),
            "handover": current_assignment
            if current_assignment and current_assignment.handover_summary
            else None,
            "commitment": current_commitment(claimant),
            "timeline": timeline.read_timeline(claimant, request.user, limit=timeline.CARD_ENTRIES),
        },
    )


@role_required(*CASEWORK_ROLES)
def claimant_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole timeline: every kind of entry, newest first, a page at a time, filtered by kind and dates
    (GET, so a filtered timeline can be bookmarked). Bad dates are listed in the error summary, never a 500."""
    claimant = get_object_or_404(claimants_visible_to(request.user).select_related("jobcentre"), pk=pk)
    form = TimelineFilterForm(request.GET, kinds=timeline.registry.choices())
    page = None
    chosen: list[str] = []
    if form.is_valid():
        chosen = form.cleaned_data["kind"]
        first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        page = timeline.read_timeline(
            claimant,
            request.user,
            kinds=chosen or None,
            since=timeline.day_start(first) if first else None,
            until=timeline.day_start(last + timedelta(days=1)) if last else None,
            limit=timeline.PAGE_ENTRIES,
            cursor=timeline.Cursor.parse(request.GET.get("before"), request.GET.get("skip")),
        )
    labels = timeline.labels()
    return render(
        request,
        "claimants/timeline.html",
        {
            "title": f"Timeline: {claimant.full_name}",
            "claimant": claimant,
            "form": form,
            "error_links": form.error_links(),
            "page": page,
            "has_restricted": bool(page and any(e.sensitive for e in page.entries)),
            "older_than_newest": bool(request.GET.get("before")),
            "chosen_labels": [labels[k] for k in chosen],
            "can_see_sensitive": may_see_sensitive(request.user, claimant),
        },
    )


@require_POST
@role_required(*CASEWORK_ROLES)
def reveal_sensitive(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = get_object_or_404(claimants_visible_to(request.user), pk=pk)
    if not may_see_sensitive(request.user, claimant):
        raise PermissionDenied(NOT_YOURS)  # visible but not theirs: 403, as in the API
    items = services.sensitive_circumstances_view(claimant=claimant, actor=request.user)
    return render(
        request,
        "claimants/sensitive.html",
        {
            "title": f"{claimant.full_name}: restricted information",
            "claimant": claimant,
            "items": items,
            "easements": claimant.easements.all(),
        },
    )


@role_required(Role.WORK_COACH, Role.TEAM_LEADER)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (done := once.submitted(request)):
        messages.info(request, "That claimant was already added: this is their record.")
        return redirect(done.outcome_url or "claimants:caseload")
    form = ClaimantDetailsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                submission = once.claim(request)
                claimant = services.claimant_create(
                    actor=request.user,
                    coach=request.user if has_role(request.user, Role.WORK_COACH) else None,
                    jobcentre=request.user.jobcentre,
                    **form.cleaned_data,
                )
                once.record_outcome(submission, reverse("claimants:record", args=[claimant.pk]))
        except once.AlreadySubmitted as done:
            messages.info(request, "That claimant was already added: this is their record.")
            return redirect(done.outcome_url or "claimants:caseload")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{claimant.full_name} has been added to your caseload.")
            return redirect("claimants:record", pk=claimant.pk)
    return _form_page(request, None, "Add a claimant", form)


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def edit_details(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    form = ClaimantDetailsForm(request.POST or None, instance=Claimant.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.claimant_update_facts(claimant=claimant, actor=request.user, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Details saved.")
            return redirect("claimants:record", pk=pk)
    return _form_page(request, claimant, "Change personal details", form)


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def edit_regime_facts(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    today = timezone.localdate()
    form = RegimeFactsForm(
        request.POST or None,
        instance=Claimant.objects.get(pk=pk),
        period_start=current_period_start(claimant.assessment_day, today),
        may_backdate=may_backdate(request.user),
    )
    if request.method == "POST" and form.is_valid():
        # Every fact is sent: the service compares them with the facts in force on the chosen date.
        facts = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            changed = services.claimant_update_facts(
                claimant=claimant,
                actor=request.user,
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
                **facts,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Saved. The regime has been recalculated." if changed else "Nothing changed."
            )
            return redirect("claimants:record", pk=pk)
    return _form_page(request, claimant, "Change what the regime depends on", form)


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def record_earnings(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    form = EarningsForm(request.POST or None, claimant=claimant)
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = services.claimant_record_earnings(
                claimant=claimant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Earnings recorded. The regime has been recalculated."
                if changed
                else "Those figures were already recorded.",
            )
            return redirect("claimants:record", pk=pk)
    return _form_page(request, claimant, "Record or correct earnings", form)


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def edit_employment(request: HttpRequest, pk: int, employment_id: int | None = None) -> HttpResponse:
    claimant = _editable(request, pk)
    employment = get_object_or_404(Employment, pk=employment_id, claimant=claimant) if employment_id else None
    initial_shifts = [
        {"weekday": s.weekday, "starts_at": s.starts_at, "ends_at": s.ends_at}
        for s in (employment.shifts.all() if employment else [])
    ]
    form = EmploymentForm(request.POST or None, instance=employment)
    shifts = ShiftFormSet(request.POST or None, initial=initial_shifts, prefix="shift")
    if request.method == "POST" and form.is_valid() and shifts.is_valid():
        rows = [f.cleaned_data for f in shifts if f.cleaned_data and f.cleaned_data.get("starts_at")]
        try:
            services.employment_save(
                claimant=claimant,
                actor=request.user,
                employment=employment,
                fields=form.cleaned_data,
                shifts=rows,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Employment and working pattern saved.")
            return redirect("claimants:record", pk=pk)
    return render(
        request,
        "claimants/employment_form.html",
        {
            "title": "Employment and working pattern",
            "claimant": claimant,
            "form": form,
            "shifts": shifts,
        },
    )


@role_required(*CASEWORK_ROLES)
@require_http_methods(["GET", "POST"])
def add_circumstance(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    form = CircumstanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                once.claim(request)
                services.circumstance_add(claimant=claimant, actor=request.user, **form.cleaned_data)
        except once.AlreadySubmitted:
            messages.info(request, "That circumstance was already added.")
            return redirect("claimants:record", pk=pk)
        messages.success(request, "Circumstance added.")
        return redirect("claimants:record", pk=pk)
    return _form_page(request, claimant, "Add a circumstance or barrier", form)


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _editable(request, pk)
    form = ReassignForm(request.POST or None, claimant=claimant)
    if request.method == "POST" and form.is_valid():
        try:
            services.claimant_reassign(claimant=claimant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{claimant.full_name} now has {claimant.coach} as their work coach.")
            return redirect(
                reverse("claimants:record", args=[pk])
                if may_edit(request.user, claimant)
                else reverse("claimants:caseload")
            )
    return _form_page(request, claimant, "Hand over to another work coach", form)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def caseload(request: HttpRequest) -> HttpResponse:
    """My caseload: search, filters and sort orders (the same parameters the dashboards link with).

    A work coach searches their own caseload; ``scope=office`` repeats it over every claimant they may open
    (covering a colleague). Unknown or malformed parameters are ignored rather than rejected: a stale bookmark
    still shows a list.
    """
    params = request.GET
    leader = request.user.effective_role != Role.WORK_COACH
    regime = params.get("regime", "")
    iwp_status = params.get("iwp", "")
    query = CaseloadQuery(
        search=params.get("q", "")[:60],
        regime=regime if regime in RegimeChoices.values else "",
        iwp_status=iwp_status if iwp_status in IwpOfferStatus.values else "",
        coach_id=_int_or_none(params.get("coach")) if leader else None,
        team_id=_int_or_none(params.get("team")) if leader else None,
        show=tuple(key for key in params.getlist("show") if key in caseload_registry.filters),
        sort=params.get("sort", "name"),
        whole_office=not leader and params.get("scope") == "office",
    )
    claimants = caseload_for(request.user, query)
    page = Paginator(claimants, 25).get_page(params.get("page"))
    coaches = list(coaches_visible_to(request.user)) if leader else []
    chosen_coach = next((c for c in coaches if c.pk == query.coach_id), None)
    chosen_team = next((c.team for c in coaches if c.team_id == query.team_id), None)
    office = request.user.jobcentre
    if chosen_coach:
        title = f"Caseload of {chosen_coach.get_full_name()}"
    elif chosen_team:
        title = f"Caseload of {chosen_team.name}"
    elif query.whole_office:
        title = f"Claimants in {office.name}" if office else "Claimants in your office"
    else:
        title = "Caseloads" if leader else "My caseload"
    columns = list(caseload_registry.columns.values())
    today = timezone.localdate()
    show_choices = [(f.key, f.label) for f in caseload_registry.filters.values()]
    search = query.parsed_search
    office_search = params.copy()
    office_search["scope"] = "office"
    office_search.pop("page", None)
    return render(
        request,
        "claimants/caseload.html",
        {
            "title": title,
            "page": page,
            "query": query,
            "search": search,
            "regimes": RegimeChoices.choices,
            "iwp_statuses": IwpOfferStatus.choices,
            "show_choices": show_choices,
            "sort_choices": sort_choices(),
            "columns": columns,
            "rows": [(c, [column.cell(c, today) for column in columns]) for c in page],
            "coaches": coaches,
            "leader": leader,
            # Whose claimants the list can hold: the coach column shows whenever it is not only the coach's own.
            "show_coach": leader or query.whole_office,
            "office_search_url": f"?{office_search.urlencode()}",
            "office": office,
            "selected": filter_groups(
                params,
                [
                    ("Search", "q", {query.search: f"“{query.search}”"} if query.search else {}),
                    ("Who", "scope", {"office": "Whole office"} if query.whole_office else {}),
                    ("Regime", "regime", dict(RegimeChoices.choices)),
                    ("IWP offer", "iwp", dict(IwpOfferStatus.choices)),
                    ("Work coach", "coach", {str(c.pk): c.get_full_name() for c in coaches}),
                    ("Team", "team", {str(c.team_id): c.team.name for c in coaches}),
                    ("Show only", "show", dict(show_choices)),
                ],
            ),
            "today": today,
        },
    )
