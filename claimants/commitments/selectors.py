"""Reads of the claimant commitment: the version in force, drafts, versions, what is due or overdue, and the
easements a viewer may see."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from claimants.commitments.rules import (
    IN_FORCE,
    EasementLine,
)
from claimants.models import (
    Claimant,
    ClaimantCommitment,
    CommitmentItem,
    CommitmentStatus,
    Easement,
)
from claimants.selectors import claimants_visible_to
from iwp.audit import audit_record
from iwp.models import AuditVerb, Role, StaffMember


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- Selectors ---------------------------------------------------------------------------------------------


def commitments_annotated(*, today: date | None = None) -> QuerySet[ClaimantCommitment]:
    """Commitments with ``is_overdue``: issued, and the accept-by date has passed without acceptance."""
    return ClaimantCommitment.objects.annotate(
        is_overdue=ExpressionWrapper(
            Q(status=CommitmentStatus.ISSUED, accept_by__lt=_today(today)), output_field=BooleanField()
        )
    )


ITEM_ORDER = ("by_date", "pk")


def _with_items(qs: QuerySet[ClaimantCommitment]) -> QuerySet[ClaimantCommitment]:
    return qs.prefetch_related(Prefetch("items", queryset=CommitmentItem.objects.order_by(*ITEM_ORDER)))


def is_overdue(commitment: ClaimantCommitment, *, today: date | None = None) -> bool:
    """The same rule as the ``is_overdue`` annotation, for an object already in hand."""
    return bool(
        commitment.status == CommitmentStatus.ISSUED
        and commitment.accept_by
        and commitment.accept_by < _today(today)
    )


def current_easements(claimant: Claimant, *, today: date | None = None) -> list[Easement]:
    """Easements in place now or starting later (not yet ended), soonest end first."""
    day = _today(today)
    if "easements" in getattr(claimant, "_prefetched_objects_cache", {}):
        # The record prefetched them all: the same rule in Python saves a query per page.
        return sorted(
            (e for e in claimant.easements.all() if e.ends_on >= day), key=lambda e: (e.ends_on, e.pk)
        )
    return list(claimant.easements.filter(ends_on__gte=day).order_by("ends_on", "pk"))


def current_commitment(claimant: Claimant, *, today: date | None = None) -> ClaimantCommitment | None:
    """The version in force (issued or accepted) with its items prefetched; the draft only if no version is in
    force yet (a first commitment); or None.

    Also carries ``is_overdue``, ``draft_version`` (the version number of a draft in progress beside it, or
    None), ``claimant_actions`` and ``support_plan`` (its lines by side) and ``current_easements`` (the
    claimant's easements, for the summary card, which never names a restricted kind).
    """
    # At most two rows (a unique constraint allows one version in force and one draft): read both plainly and
    # choose here, which costs the record page far less than ranking them in SQL.
    rows = list(
        claimant.commitments.filter(status__in=[*IN_FORCE, CommitmentStatus.DRAFT]).order_by("-version")
    )
    in_force = next((c for c in rows if c.status in IN_FORCE), None)
    draft = next((c for c in rows if c.status == CommitmentStatus.DRAFT), None)
    commitment = in_force or draft
    if commitment is not None:
        commitment.is_overdue = is_overdue(commitment, today=today)
        commitment.draft_version = draft.version if draft else None
        items = list(commitment.items.order_by(*ITEM_ORDER))
        commitment.claimant_actions = [i for i in items if i.side == CommitmentItem.Side.CLAIMANT_ACTION]
        commitment.support_plan = [i for i in items if i.side == CommitmentItem.Side.SUPPORT_PLAN]
        commitment.current_easements = current_easements(claimant, today=today)
    return commitment


def commitment_in_force(claimant: Claimant) -> ClaimantCommitment | None:
    """The version in force (issued or accepted), without items, or None."""
    return ClaimantCommitment.objects.filter(claimant=claimant, status__in=IN_FORCE).first()


def commitment_versions(claimant: Claimant, *, today: date | None = None) -> list[ClaimantCommitment]:
    """Every version, newest first (without items: for the list of old versions)."""
    return list(commitments_annotated(today=today).filter(claimant=claimant).order_by("-version"))


def commitment_version(
    claimant: Claimant, version: int, *, today: date | None = None
) -> ClaimantCommitment | None:
    return _with_items(commitments_annotated(today=today)).filter(claimant=claimant, version=version).first()


def draft_commitment(claimant: Claimant) -> ClaimantCommitment | None:
    return (
        _with_items(ClaimantCommitment.objects)
        .filter(claimant=claimant, status=CommitmentStatus.DRAFT)
        .first()
    )


def _scoped(user: StaffMember) -> QuerySet[Claimant]:
    claimants = claimants_visible_to(user)
    if user.effective_role == Role.WORK_COACH:
        claimants = claimants.filter(coach=user)
    return claimants


def commitments_review_due(
    user: StaffMember, *, within_days: int = 14, today: date | None = None
) -> QuerySet[ClaimantCommitment]:
    """Issued or accepted commitments whose review is due within ``within_days`` (or already past), soonest
    first. A work coach sees their own caseload; others everyone they may see."""
    day = _today(today)
    return (
        commitments_annotated(today=day)
        .filter(
            claimant__in=_scoped(user),
            status__in=[CommitmentStatus.ISSUED, CommitmentStatus.ACCEPTED],
            review_due__lte=day + timedelta(days=within_days),
        )
        .select_related("claimant", "claimant__coach")
        .order_by("review_due", "claimant__last_name", "pk")
    )


def commitments_overdue(user: StaffMember, *, today: date | None = None) -> QuerySet[ClaimantCommitment]:
    """Issued commitments not accepted by their accept-by date, oldest first."""
    return (
        commitments_annotated(today=today)
        .filter(claimant__in=_scoped(user), is_overdue=True)
        .select_related("claimant", "claimant__coach")
        .order_by("accept_by", "claimant__last_name", "pk")
    )


def may_see_restricted(viewer: StaffMember, claimant: Claimant) -> bool:
    """Restricted details (a domestic-abuse easement's kind): the claimant's own work coach, a team leader of
    the claimant's jobcentre, or an administrator (the same people as on the claimant record)."""
    role = viewer.effective_role
    if role == Role.ADMINISTRATOR:
        return True
    if role == Role.TEAM_LEADER:
        return bool(viewer.jobcentre_id) and viewer.jobcentre_id == claimant.jobcentre_id
    return claimant.coach_id is not None and claimant.coach_id == viewer.pk


# --- Services ---------------------------------------------------------------------------------------------


def commitment_easements_for_viewer(
    *, claimant: Claimant, viewer: StaffMember, today: date | None = None, where: str = ""
) -> list[EasementLine]:
    """The claimant's current easements as ``viewer`` may see them. A restricted kind is shown only to those
    allowed, and every showing is audited (VIEWED_SENSITIVE), in one transaction."""
    allowed = may_see_restricted(viewer, claimant)
    day = _today(today)
    lines = []
    with transaction.atomic():
        for easement in current_easements(claimant, today=day):
            show_kind = allowed or not easement.sensitive
            lines.append(
                EasementLine(
                    kind_label=easement.get_kind_display() if show_kind else None,
                    starts_on=easement.starts_on,
                    ends_on=easement.ends_on,
                    restricted=easement.sensitive,
                    starts_later=easement.starts_on > day,
                )
            )
            if easement.sensitive and show_kind:
                audit_record(
                    actor=viewer,
                    verb=AuditVerb.VIEWED_SENSITIVE,
                    target=easement,
                    payload={"claimant": claimant.pk, "kind": easement.kind, "where": where},
                )
    return lines
