"""Pages for the claimant commitment: the version in force (with any draft in progress beside it), old versions,
the draft editor, and the POST actions (start a new version, issue, record acceptance, discard the draft). Thin:
forms validate, services write, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods, require_POST

from claimants.commitments.forms import CommitmentForm, LockForm, error_links, item_formset
from claimants.commitments.rules import (
    CONFLICT_MESSAGE,
    CommitmentDraftExists,
    CommitmentError,
    reason_display,
)
from claimants.commitments.selectors import (
    commitment_easements_for_viewer,
    commitment_in_force,
    commitment_version,
    commitment_versions,
    current_commitment,
    draft_commitment,
)
from claimants.commitments.services import (
    commitment_discard_draft,
    commitment_issue,
    commitment_record_acceptance,
    commitment_save_draft,
    commitment_start_draft,
)
from claimants.models import Claimant, ClaimantCommitment, CommitmentItem, CommitmentStatus
from claimants.selectors import claimant_to_edit, claimants_visible_to
from iwp.access import role_required
from iwp.models import Role

# Work coaches and team leaders of the claimant's jobcentre (claimants_visible_to scopes them), and
# administrators as on the other claimant pages. Progression leads work on provision, not casework: 403.
ROLES = (Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)


def _claimant(request: HttpRequest, pk: int, *, edit: bool = False) -> Claimant:
    """The claimant (404 outside the reading rule); with ``edit``, one the user may change (403: ``may_edit``)."""
    if edit:
        return claimant_to_edit(request.user, pk)
    return get_object_or_404(claimants_visible_to(request.user).select_related("coach", "jobcentre"), pk=pk)


def _detail_url(claimant: Claimant) -> str:
    return reverse("claimants:commitment", args=[claimant.pk])


def _edit_url(claimant: Claimant) -> str:
    return reverse("claimants:commitment_edit", args=[claimant.pk])


def _draft_url(claimant: Claimant, draft: ClaimantCommitment) -> str:
    """Where a draft is checked and issued: the main page for a first commitment (the draft is all there is),
    else the draft's own version page (the main page shows the version in force)."""
    if commitment_in_force(claimant) is None:
        return _detail_url(claimant)
    return reverse("claimants:commitment_version", args=[claimant.pk, draft.version])


def sides(commitment: ClaimantCommitment | None) -> list[dict[str, Any]]:
    """Both sides of the plan for the page: the claimant's actions, then the Jobcentre's support."""
    items = list(commitment.items.all()) if commitment else []
    return [
        {
            "heading": "The claimant will",
            "column": "Action",
            "caption": "What the claimant will do, and by when",
            "testid": "claimant-actions",
            "empty": "No actions agreed yet.",
            "items": [i for i in items if i.side == CommitmentItem.Side.CLAIMANT_ACTION],
        },
        {
            "heading": "The Jobcentre will",
            "column": "Support",
            "caption": "What the Jobcentre will do for the claimant, and by when",
            "testid": "support-plan",
            "empty": "No support agreed yet.",
            "items": [i for i in items if i.side == CommitmentItem.Side.SUPPORT_PLAN],
        },
    ]


def _render_detail(
    request: HttpRequest,
    claimant: Claimant,
    *,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    commitment = current_commitment(claimant)
    versions = commitment_versions(claimant)
    # A draft beside the version in force (when nothing is in force yet, the draft is ``commitment`` itself).
    draft = next(
        (v for v in versions if v.status == CommitmentStatus.DRAFT and commitment and v.pk != commitment.pk),
        None,
    )
    old_versions = [v for v in versions if v.status == CommitmentStatus.SUPERSEDED]
    return render(
        request,
        "claimants/commitment_detail.html",
        {
            "title": f"{claimant.full_name}: claimant commitment",
            "claimant": claimant,
            "commitment": commitment,
            "reason": reason_display(commitment.expected_hours_reason) if commitment else "",
            "sides": sides(commitment),
            "editable": bool(commitment and commitment.status == CommitmentStatus.DRAFT),
            "draft": draft,
            "old_versions": old_versions,
            "easements": commitment_easements_for_viewer(
                claimant=claimant, viewer=request.user, where="commitment"
            ),
            "error_links": errors or [],
        },
        status=status,
    )


@role_required(*ROLES)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The version in force: requirements, what the claimant and the Jobcentre will do, dates; a draft in
    progress beside it; old versions. With no version in force yet, the first draft."""
    return _render_detail(request, _claimant(request, pk))


@role_required(*ROLES)
def commitment_version_detail(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """One version exactly as it was (read-only). A draft's page is where it is checked and issued or discarded
    while another version is in force."""
    claimant = _claimant(request, pk)
    commitment = commitment_version(claimant, version)
    if commitment is None:
        raise Http404("No such version")
    newer = in_force = None
    if commitment.status == CommitmentStatus.SUPERSEDED:
        newer = (
            ClaimantCommitment.objects.filter(claimant=claimant, version__gt=version)
            .exclude(status=CommitmentStatus.DRAFT)
            .order_by("version")
            .values_list("version", flat=True)
            .first()
        )
    elif commitment.status == CommitmentStatus.DRAFT:
        in_force = commitment_in_force(claimant)
    return render(
        request,
        "claimants/commitment_version.html",
        {
            "title": f"{claimant.full_name}: claimant commitment version {commitment.version}",
            "claimant": claimant,
            "commitment": commitment,
            "reason": reason_display(commitment.expected_hours_reason),
            "sides": sides(commitment),
            "newer_version": newer,
            "is_draft": commitment.status == CommitmentStatus.DRAFT,
            "in_force": in_force,
        },
    )


@require_POST
@role_required(*ROLES)
def commitment_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a new version (or the first): a draft prefilled from the version in force or the claimant's hours,
    beside the version in force. If a draft is already in progress, say so and open it."""
    claimant = _claimant(request, pk, edit=True)
    try:
        commitment_start_draft(claimant=claimant, actor=request.user)
    except CommitmentDraftExists as exists:
        messages.info(request, exists.message)
    return redirect(_edit_url(claimant))


def _service_errors(form: CommitmentForm, error: ValidationError) -> None:
    for name, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft editor. The form carries the lock version it was loaded with; a stale one saves nothing."""
    claimant = _claimant(request, pk, edit=True)
    draft = draft_commitment(claimant)
    if request.method == "GET":
        if draft is None:
            messages.info(request, "There is no draft to change. Start a new version first.")
            return redirect(_detail_url(claimant))
        return _render_editor(request, claimant, draft)

    # POST. Someone may have issued or discarded the draft meanwhile: keep what was typed on the page.
    shown = draft or current_commitment(claimant)
    if shown is None:
        messages.error(
            request, "The draft was discarded by someone else, so your changes have not been saved."
        )
        return redirect(_detail_url(claimant))
    form = CommitmentForm(request.POST)
    formsets = [
        item_formset(side, shown, data=request.POST)
        for side in (CommitmentItem.Side.CLAIMANT_ACTION, CommitmentItem.Side.SUPPORT_PLAN)
    ]
    # Validate everything (not short-circuiting) so every problem is shown at once.
    results = [form.is_valid(), *(fs.is_valid() for fs in formsets)]
    valid = all(results)
    if draft is None:
        form.add_error(
            None, "This draft has been issued or discarded by someone else. Your changes have not been saved."
        )
        return _render_editor(
            request, claimant, shown, form=form, formsets=formsets, status=409, conflict=True
        )
    if form.cleaned_data.get("lock_version") != draft.lock_version:
        # Checked here too so the user's lines are never matched against someone else's (the service's
        # guarded UPDATE still catches a change that lands between this check and the write).
        form.add_error(None, CONFLICT_MESSAGE)
        return _render_editor(
            request, claimant, draft, form=form, formsets=formsets, status=409, conflict=True
        )
    if not valid:
        return _render_editor(request, claimant, draft, form=form, formsets=formsets)
    data = form.cleaned_data
    try:
        commitment_save_draft(
            commitment=draft,
            lock_version=data["lock_version"],
            actor=request.user,
            expected_hours=data["expected_hours"],
            reason_code=data["expected_hours_reason"],
            reason_detail=data["expected_hours_detail"],
            work_search_hours=data["work_search_hours"],
            requirements=data["requirements"],
            easements_note=data["easements_note"],
            review_due=data["review_due"],
            items=[change for fs in formsets for change in fs.changes()],
        )
    except CommitmentError as error:
        form.add_error(None, error.message)
        return _render_editor(
            request, claimant, draft, form=form, formsets=formsets, status=409, conflict=True
        )
    except ValidationError as error:
        _service_errors(form, error)
        return _render_editor(request, claimant, draft, form=form, formsets=formsets)
    if request.POST.get("then") == "edit":
        messages.success(request, "Draft saved. You can add another line below.")
        return redirect(_edit_url(claimant))
    messages.success(request, "Draft saved. Check it, then issue it to the claimant.")
    return redirect(_draft_url(claimant, draft))


def _render_editor(
    request: HttpRequest,
    claimant: Claimant,
    commitment: ClaimantCommitment,
    *,
    form: CommitmentForm | None = None,
    formsets: list | None = None,
    status: int = 200,
    conflict: bool = False,
) -> HttpResponse:
    form = form or CommitmentForm(initial=CommitmentForm.initial_for(commitment))
    formsets = formsets or [
        item_formset(side, commitment)
        for side in (CommitmentItem.Side.CLAIMANT_ACTION, CommitmentItem.Side.SUPPORT_PLAN)
    ]
    context: dict[str, Any] = {
        "title": f"{claimant.full_name}: change the claimant commitment",
        "claimant": claimant,
        "commitment": commitment,
        "form": form,
        "claimant_formset": formsets[0],
        "jobcentre_formset": formsets[1],
        "error_links": [(f"#{anchor}", message) for anchor, message in error_links(form, *formsets)],
        "conflict": conflict,
        "easements": commitment_easements_for_viewer(
            claimant=claimant, viewer=request.user, where="commitment_edit"
        ),
    }
    return render(request, "claimants/commitment_edit.html", context, status=status)


def _lock_version(request: HttpRequest) -> int | None:
    form = LockForm(request.POST)
    return form.cleaned_data["lock_version"] if form.is_valid() else None


def _nothing_to_act_on(
    request: HttpRequest, claimant: Claimant, target: object, lock_version: int | None, missing: str
) -> HttpResponse | None:
    """409 when there is no version to act on (``missing`` says which) or the page's lock version is unusable."""
    if target is not None and lock_version is not None:
        return None
    message = missing if target is None else CONFLICT_MESSAGE
    return _render_detail(request, claimant, errors=[("#commitment-actions", message)], status=409)


def _action_failed(request: HttpRequest, claimant: Claimant, error: Exception) -> HttpResponse:
    if isinstance(error, ValidationError):
        edit = _edit_url(claimant)
        links = [
            (f"{edit}#id_{name}" if name != "__all__" else edit, message)
            for name, messages_ in error.message_dict.items()
            for message in messages_
        ]
        return _render_detail(request, claimant, errors=links, status=400)
    return _render_detail(request, claimant, errors=[("#commitment-actions", error.message)], status=409)


@require_POST
@role_required(*ROLES)
def commitment_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _claimant(request, pk, edit=True)
    draft = draft_commitment(claimant)
    lock_version = _lock_version(request)
    if refused := _nothing_to_act_on(request, claimant, draft, lock_version, "There is no draft to issue."):
        return refused
    try:
        issued = commitment_issue(commitment=draft, lock_version=lock_version, actor=request.user)
    except (CommitmentError, ValidationError) as error:
        return _action_failed(request, claimant, error)
    messages.success(
        request,
        f"Version {issued.version} issued. The claimant must accept it by {date_format(issued.accept_by, 'j F Y')}.",
    )
    return redirect(_detail_url(claimant))


@require_POST
@role_required(*ROLES)
def commitment_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _claimant(request, pk, edit=True)
    in_force = commitment_in_force(claimant)
    lock_version = _lock_version(request)
    if refused := _nothing_to_act_on(
        request, claimant, in_force, lock_version, "There is no issued commitment to accept."
    ):
        return refused
    try:
        commitment_record_acceptance(commitment=in_force, lock_version=lock_version, actor=request.user)
    except CommitmentError as error:
        return _action_failed(request, claimant, error)
    messages.success(request, f"Recorded that {claimant.full_name} accepted version {in_force.version}.")
    return redirect(_detail_url(claimant))


@require_POST
@role_required(*ROLES)
def commitment_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = _claimant(request, pk, edit=True)
    draft = draft_commitment(claimant)
    lock_version = _lock_version(request)
    if refused := _nothing_to_act_on(request, claimant, draft, lock_version, "There is no draft to discard."):
        return refused
    try:
        commitment_discard_draft(commitment=draft, lock_version=lock_version, actor=request.user)
    except CommitmentError as error:
        return _action_failed(request, claimant, error)
    in_force = commitment_in_force(claimant)
    if in_force:
        messages.success(
            request,
            f"Draft version {draft.version} discarded. Version {in_force.version} is still the current commitment.",
        )
    else:
        messages.success(request, f"Draft version {draft.version} discarded.")
    return redirect(_detail_url(claimant))
