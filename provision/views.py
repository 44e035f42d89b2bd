"""Thin pages for provision: the district list (the progression lead's start page), an offer, create/edit/pause/
archive, import/export, and for work coaches: find provision for a claimant, signpost or refer, and update a
referral. Access: ``role_required`` on every view, then the selectors' scoping (other district → 404)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from claimants.models import BarrierKind, RegimeChoices
from claimants.progression.selectors import open_step_choices, step_in_plan_of, step_with_claimant
from claimants.selectors import claimant_to_edit, claimants_visible_to
from iwp.access import role_required
from iwp.csv_export import csv_response
from iwp.models import BackgroundJob, District, Role
from provision import importing, jobs, matching, selectors, services
from provision.forms import (
    ArchiveForm,
    ImportForm,
    LinkReferralsForm,
    OfferForm,
    ReferralForm,
    ReferralStatusForm,
    SearchForm,
    session_rows,
)
from provision.models import Category, ImportRun, OfferStatus, ProvisionOffer, ReferralStatus

READ = selectors.READ_ROLES
EDIT = selectors.EDIT_ROLES
REFER = selectors.REFER_ROLES
PAGE_SIZE = 50
CARDS_SHOWN = 25
BARRIER_LABELS = dict(BarrierKind.choices)
REGIME_LABELS = dict(RegimeChoices.choices)


def _editable(request: HttpRequest, pk: int) -> ProvisionOffer:
    offer = selectors.offers_editable_by(request.user).filter(pk=pk).first()
    if offer is None:
        raise Http404("No such offer on your list")
    return offer


def _admin_district_field(form: forms.Form, request: HttpRequest) -> None:
    """Administrators have no district of their own: they choose the list to add to."""
    if request.user.effective_role == Role.ADMINISTRATOR:
        form.fields["district"] = forms.ModelChoiceField(label="District", queryset=District.objects.all())
        form.helper.layout.fields.insert(0, "district")


def _district(request: HttpRequest, form: forms.Form) -> District:
    if request.user.effective_role == Role.ADMINISTRATOR:
        return form.cleaned_data["district"]
    return request.user.jobcentre.district


def _decorate(offers, today) -> None:
    for offer in offers:
        offer.freshness = selectors.freshness(offer, today)
        offer.source_freshness = selectors.source_freshness(offer, today)
        offer.override_labels = [
            importing.FIELD_LABELS.get(name, name) for name in offer.lead_overrides or ()
        ]
        offer.barrier_labels = [BARRIER_LABELS.get(b, b) for b in offer.barriers or ()]
        offer.regime_labels = [REGIME_LABELS.get(r, r) for r in offer.regimes or ()]
        offer.age_text = matching.age_range_text(offer.min_age, offer.max_age).capitalize()


@role_required(*READ)
def offer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.effective_role != Role.ADMINISTRATOR and not selectors.district_id_of(user):
        raise Http404("You have no district")
    status = request.GET.get("status", "")
    status = status if status in OfferStatus.values else ""
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.offer_list(
            user, status=status, category=category, query=query, stale_only="stale" in request.GET
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    today = selectors.local_today()
    _decorate(page, today)
    is_lead = user.effective_role in EDIT
    return render(
        request,
        "provision/offer_list.html",
        {
            "title": "Provision list",
            "page": page,
            "today": today,
            "can_edit": is_lead,
            "stale": list(selectors.stale_offers(user, today=today)[:20]) if is_lead else [],
            "stale_count": selectors.stale_offers(user, today=today).count() if is_lead else 0,
            "withdrawn": list(selectors.withdrawn_offers(user)[:20]) if is_lead else [],
            "withdrawn_count": selectors.withdrawn_offers(user).count() if is_lead else 0,
            "last_import": selectors.last_import(user) if is_lead else None,
            "limbo": list(selectors.referrals_in_limbo(user)[:20]),
            "statuses": OfferStatus.choices,
            "categories": Category.choices,
            "filters": {"status": status, "category": category, "q": query},
        },
    )


@role_required(*READ)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_detail(request.user, pk)
    if offer is None:
        raise Http404("No such offer on your list")
    _decorate([offer], selectors.local_today())
    return render(
        request,
        "provision/offer_detail.html",
        {"title": offer.name, "offer": offer, "can_edit": selectors.can_edit(request.user, offer)},
    )


def _save_offer(form: OfferForm, save: Callable[..., ProvisionOffer]) -> ProvisionOffer | None:
    """Run the create/update service with the form's fields; a duplicate name becomes an error on the form
    (and None is returned)."""
    try:
        sessions = form.cleaned_data["sessions"]  # None: not sent, so left as they are
        return save(
            provider_name=form.cleaned_data["provider_name"],
            data=form.offer_data(),
            **({} if sessions is None else {"sessions": sessions}),
        )
    except IntegrityError:
        form.add_error("name", "This provider already has an offer with this name on the list")
        return None


@role_required(*EDIT)
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest) -> HttpResponse:
    sessions = session_rows(request.POST or None)
    form = OfferForm(request.POST or None, sessions=sessions)
    _admin_district_field(form, request)
    if request.method == "POST" and form.is_valid():
        save = partial(services.offer_create, actor=request.user, district=_district(request, form))
        offer = _save_offer(form, save)
        if offer is not None:
            messages.success(request, f"{offer.name} added to the list")
            return redirect("provision:offer_detail", pk=offer.pk)
    return render(
        request, "provision/offer_form.html", {"title": "Add an offer", "form": form, "sessions": sessions}
    )


@role_required(*EDIT)
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _editable(request, pk)
    sessions = session_rows(request.POST or None, offer)
    form = OfferForm(request.POST or None, instance=offer, sessions=sessions)
    save = partial(services.offer_update, actor=request.user, offer=offer)
    if request.method == "POST" and form.is_valid() and _save_offer(form, save) is not None:
        messages.success(request, f"{offer.name} saved and marked as reviewed today")
        return redirect("provision:offer_detail", pk=offer.pk)
    context = {"title": f"Change {offer.name}", "form": form, "offer": offer, "sessions": sessions}
    return render(request, "provision/offer_form.html", context)


@role_required(*EDIT)
@require_POST
def offer_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    offer = services.offer_mark_reviewed(actor=request.user, offer=_editable(request, pk))
    messages.success(
        request,
        f"{offer.name} marked as reviewed: next review by {offer.review_by.day} {offer.review_by:%B %Y}",
    )
    # From the start page's "Entries to review" the lead goes back there to carry on down the list.
    if request.POST.get("next") == "list":
        return redirect("provision:offer_list")
    return redirect("provision:offer_detail", pk=offer.pk)


@role_required(*EDIT)
@require_POST
def offer_pause(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _editable(request, pk)
    to = OfferStatus.ACTIVE if offer.status != OfferStatus.ACTIVE else OfferStatus.PAUSED
    services.offer_set_status(actor=request.user, offer=offer, status=to)
    messages.success(request, f"{offer.name} is now {OfferStatus(to).label.lower()}")
    return redirect("provision:offer_detail", pk=offer.pk)


@role_required(*EDIT)
@require_POST
def contact_public(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    offer = _editable(request, pk)
    contact = get_object_or_404(offer.contacts, pk=contact_pk)
    public = request.POST.get("public") == "yes"
    services.contact_set_public(actor=request.user, contact=contact, public=public)
    who = contact.name or contact.email or contact.phone
    messages.success(request, f"{who} {'will' if public else 'will not'} be published in the district's feed")
    return redirect("provision:offer_detail", pk=offer.pk)


@role_required(*EDIT)
@require_http_methods(["GET", "POST"])
def offer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _editable(request, pk)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.offer_set_status(
            actor=request.user, offer=offer, status=OfferStatus.ARCHIVED, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{offer.name} archived")
        return redirect("provision:offer_detail", pk=offer.pk)
    return render(
        request, "provision/offer_form.html", {"title": f"Archive {offer.name}", "form": form, "offer": offer}
    )


@role_required(*EDIT)
@require_http_methods(["GET", "POST"])
def import_offers(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    _admin_district_field(form, request)
    result = run = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        kind = form.cleaned_data["kind"]
        district = _district(request, form)
        if importing.count_rows(content, kind) > importing.BACKGROUND_ROWS:
            job = jobs.import_job_start(
                actor=request.user,
                district=district,
                content=content,
                kind=kind,
                name=upload.name,
                strict=form.strict(),
            )
            return redirect("provision:import_job", pk=job.pk)
        result, run = importing.import_file(
            actor=request.user,
            district=district,
            content=content,
            kind=kind,
            strict=form.strict(),
            file_name=upload.name,
        )
        if result.imported:
            messages.success(
                request,
                f"Imported {upload.name}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged",
            )
            if not (result.error_count or result.lines or result.warnings or result.not_mapped):
                return redirect("provision:offer_list")
            return redirect("provision:import_report", pk=run.pk)
        # Nothing imported: the report stays on the form's page, to fix the file and try again.
        result = {**result.as_dict(), "name": upload.name}
    return render(
        request,
        "provision/import.html",
        {
            "title": "Import provision",
            "form": form,
            "result": result,
            "run": run,
            "columns": importing.COLUMNS,
        },
    )


def _run(request: HttpRequest, pk: int) -> ImportRun:
    """An import's report: the lead's district's (any lead of it), or any for an administrator."""
    qs = ImportRun.objects.select_related("district", "actor")
    if request.user.effective_role != Role.ADMINISTRATOR:
        qs = qs.filter(district_id=selectors.district_id_of(request.user))
    run = qs.filter(pk=pk).first()
    if run is None:
        raise Http404("No such import")
    return run


@role_required(*EDIT)
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return render(
        request,
        "provision/import_report.html",
        {"title": f"Import of {run.file_name or 'a file'}", "run": run, "result": run.report},
    )


@role_required(*EDIT)
def import_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    rows = list(importing.report_lines(run.report))
    response = csv_response(rows, filename=f"import-report-{run.pk}.csv")
    importing.audit_export(
        actor=request.user, what="import_report", rows=len(rows) - 1, district=run.district, run=run.pk
    )
    return response


@role_required(*EDIT)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(BackgroundJob, pk=pk, kind=jobs.IMPORT_JOB_KIND)
    if job.created_by_id != request.user.pk and request.user.effective_role != Role.ADMINISTRATOR:
        raise Http404("No such job")
    if job.finished and (job.result or {}).get("run_id") and "report" in request.GET:
        return redirect("provision:import_report", pk=job.result["run_id"])
    return render(
        request,
        "provision/import.html",
        {
            "title": job.description,
            "job": job,
            "result": job.result if job.finished else None,
            "columns": importing.COLUMNS,
        },
    )


@role_required(*READ)
def export_offers(request: HttpRequest) -> HttpResponse:
    offers = (
        selectors.offers_visible_to(request.user)
        .prefetch_related("sessions")
        .order_by("provider__name", "name")
    )
    rows = list(importing.export_rows(offers))
    response = csv_response(rows, filename="provision-list.csv")
    # An administrator's export is every district's list (no district recorded).
    district = None if request.user.effective_role == Role.ADMINISTRATOR else request.user.district
    importing.audit_export(actor=request.user, what="provision_list", rows=len(rows) - 1, district=district)
    return response


# --- Work coaches: find provision, signpost or refer, follow up ------------------------------------------


def _claimant(request: HttpRequest, pk: int, *, edit: bool = True):
    """The claimant to refer (404 outside the reading rule, 403 unless ``may_edit``); without ``edit``, one the
    user may read (finding provision changes nothing)."""
    if edit:
        return claimant_to_edit(request.user, pk, related=("jobcentre", "coach"))
    return get_object_or_404(claimants_visible_to(request.user).select_related("jobcentre", "coach"), pk=pk)


@role_required(*REFER)
def find_provision(request: HttpRequest, claimant_pk: int) -> HttpResponse:
    claimant = _claimant(request, claimant_pk, edit=False)
    form = SearchForm(request.GET or None)
    category = barrier = ""
    if form.is_valid():
        category, barrier = form.cleaned_data["category"], form.cleaned_data["barrier"]
    fits, check, excluded, facts = selectors.find_provision(
        claimant=claimant, category=category, barrier=barrier
    )
    # A district can list thousands of offers: show the first cards and ask the coach to narrow the search.
    shown_fits = fits[:CARDS_SHOWN]
    shown_check = check[:CARDS_SHOWN]
    shown_excluded = excluded[:CARDS_SHOWN] if request.GET.get("show") == "all" else excluded[:20]
    selectors.attach_offers([*shown_fits, *shown_check, *shown_excluded])
    _decorate([row.offer for row in (*shown_fits, *shown_check, *shown_excluded)], selectors.local_today())
    return render(
        request,
        "provision/find.html",
        {
            "title": f"Find provision for {claimant.full_name}",
            "claimant": claimant,
            "form": form,
            "fits": shown_fits,
            "check": shown_check,
            "check_count": len(check),
            "excluded": shown_excluded,
            "fits_count": len(fits),
            "excluded_count": len(excluded),
            "cards_shown": CARDS_SHOWN,
            "facts": facts,
            "show_excluded": request.GET.get("show") == "all",
        },
    )


@role_required(*REFER)
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, claimant_pk: int, offer_pk: int) -> HttpResponse:
    claimant = _claimant(request, claimant_pk)
    offer = (
        selectors.offers_visible_to(request.user)
        .filter(pk=offer_pk, district_id=claimant.jobcentre.district_id, status=OfferStatus.ACTIVE)
        .first()
    )
    if offer is None:
        raise Http404("No such offer on the claimant's district list")
    reasons = matching.exclusion_reasons(
        selectors.offer_facts(offer), selectors.claimant_facts(claimant, today=selectors.local_today())
    )
    form = ReferralForm(
        request.POST or None,
        initial={"shared_summary": selectors.referral_summary_draft(claimant)},
        step_choices=open_step_choices(claimant.pk),
    )
    if request.method == "POST" and form.is_valid():
        step_id = form.cleaned_data.get("plan_step")
        try:
            referral = services.referral_create(
                actor=request.user,
                claimant=claimant,
                offer=offer,
                refer=form.cleaned_data["action"] == "refer",
                shared_summary=form.cleaned_data["shared_summary"],
                consent_to_share=form.cleaned_data["consent_to_share"],
                plan_step=step_in_plan_of(step_id, claimant.pk) if step_id else None,
            )
        except services.ProvisionError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request, f"{referral.get_status_display()}: {claimant.full_name} to {offer.name}"
            )
            return redirect("claimants:record", pk=claimant.pk)
    return render(
        request,
        "provision/refer.html",
        {
            "title": f"Signpost or refer to {offer.name}",
            "claimant": claimant,
            "offer": offer,
            "form": form,
            "reasons": reasons,
        },
    )


@role_required(*READ)
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referrals_visible_to(request.user).filter(pk=pk).first()
    if referral is None:
        raise Http404("No such referral")
    if request.method == "POST" and not selectors.can_update_referral(request.user, referral):
        raise PermissionDenied(
            "Only those who may change the claimant's casework, or the district's progression lead, change a referral."
        )
    form = ReferralStatusForm(request.POST or None, current=referral.status)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_change_status(
                actor=request.user,
                referral=referral,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
            )
        except services.ProvisionError as e:
            form.add_error("to_status", str(e))
        else:
            messages.success(request, f"Referral updated: {referral.get_status_display()}")
            return redirect("provision:referral_detail", pk=referral.pk)
    return render(
        request,
        "provision/referral_detail.html",
        {
            "title": f"Referral to {referral.offer.name}",
            "referral": referral,
            "history": selectors.referral_history(referral),
            "form": form if form.fields["to_status"].choices else None,
            "closed": referral.status
            in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.DID_NOT_START),
        },
    )


# --- The progression plan (issue #16) ----------------------------------------------------------------------


@role_required(*REFER)
@require_http_methods(["GET", "POST"])
def link_referrals(request: HttpRequest, step_id: int) -> HttpResponse:
    """Which of the claimant's referrals and signposting serve one step of their progression plan (tick to link,
    untick to unlink). For those who may refer the claimant; another office's step is a 404."""
    step = step_with_claimant(step_id)
    if step is None:
        raise Http404("No such step")
    claimant = _claimant(request, step.plan.claimant_id)
    back = reverse("claimants:progression", args=[claimant.pk])
    candidates = selectors.claimant_referrals(claimant)
    choices = [(r.pk, _referral_choice(r, step.pk)) for r in candidates]
    initial = [r.pk for r in candidates if r.plan_step_id == step.pk]
    form = LinkReferralsForm(request.POST or None, choices=choices, initial={"referrals": initial})
    if request.method == "POST" and form.is_valid():
        chosen = [r for r in candidates if r.pk in set(form.cleaned_data["referrals"])]
        try:
            linked, unlinked = services.referrals_link_step(step=step, referrals=chosen, actor=request.user)
        except services.ProvisionError as e:
            form.add_error(None, str(e))
        else:
            if linked or unlinked:
                messages.success(request, f"Referrals for ‘{step.text}’ saved.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(back)
    return render(
        request,
        "provision/link_referrals.html",
        {
            "title": f"Referrals for a step of {claimant.full_name}'s plan",
            "claimant": claimant,
            "step": step,
            "form": form,
            "has_candidates": bool(candidates),
            "back_url": back,
        },
    )


def _referral_choice(referral, step_id: int) -> str:
    elsewhere = (
        " – now serves another step" if referral.plan_step_id and referral.plan_step_id != step_id else ""
    )
    made = timezone.localtime(referral.created_at)
    return (
        f"{referral.offer.name}, {referral.offer.provider.name} ({referral.get_status_display().lower()}, "
        f"{made.day} {made:%B %Y}){elsewhere}"
    )
