"""The claimant commitment (issue #9): versioned, with a support plan. Services write, selectors read.

Life of a version: **draft** → **issued** (the claimant has 7 days to accept, rulebook §7) → **accepted**
→ **superseded**. A change makes a new version. A claimant has at most one version *in force* (issued or
accepted) and at most one *draft*, side by side (two partial unique constraints). Starting a new version makes a
draft beside the version in force, which is not touched: it stays in force, overdue if it is, until the draft is
issued. Issuing the draft supersedes the version in force in the same transaction; discarding it just deletes
it. A version is never edited once issued, and old versions stay readable. "Overdue" (issued and not accepted
by the accept-by date) is derived when read, never stored.

Concurrent edits cannot silently overwrite each other: every write to a version is an
``UPDATE … WHERE lock_version = n`` whose row count is checked (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    F,
    Max,
)
from django.utils import timezone

from claimants.commitments.rules import (
    CONFLICT_MESSAGE,
    FULL_TIME_HOURS,
    IN_FORCE,
    NOT_A_DRAFT_MESSAGE,
    REVIEW_AFTER_MONTHS,
    CommitmentConflict,
    CommitmentDraftExists,
    CommitmentError,
    CommitmentNotEditable,
    ItemChange,
    add_months,
    commitment_problems,
    pack_reason,
    unpack_reason,
)
from claimants.commitments.selectors import (
    _today,
    _with_items,
)
from claimants.models import (
    ACCEPT_WITHIN,
    Claimant,
    ClaimantCommitment,
    CommitmentItem,
    CommitmentStatus,
    FactsOrigin,
)
from claimants.services import claimant_update_facts
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember


def _stale(pk: int, *, expected_status: str) -> CommitmentError:
    """Why a guarded UPDATE touched no row: the version moved on, or somebody changed it first."""
    status = ClaimantCommitment.objects.filter(pk=pk).values_list("status", flat=True).first()
    if status is None:
        return CommitmentNotEditable("This draft has been discarded. Reload to see the current commitment.")
    if status != expected_status:
        if expected_status == CommitmentStatus.DRAFT:
            return CommitmentNotEditable(NOT_A_DRAFT_MESSAGE)
        if status == CommitmentStatus.ACCEPTED:
            return CommitmentNotEditable("Acceptance of this version has already been recorded.")
        return CommitmentNotEditable(f"This version is now {CommitmentStatus(status).label.lower()}.")
    return CommitmentConflict(CONFLICT_MESSAGE)


def _guarded_update(
    commitment: ClaimantCommitment, *, lock_version: int, expected_status: str, **fields
) -> None:
    updated = ClaimantCommitment.objects.filter(
        pk=commitment.pk, status=expected_status, lock_version=lock_version
    ).update(lock_version=F("lock_version") + 1, **fields)
    if updated != 1:
        raise _stale(commitment.pk, expected_status=expected_status)


def commitment_start_draft(
    *, claimant: Claimant, actor: StaffMember | None, today: date | None = None
) -> ClaimantCommitment:
    """A new draft version beside the version in force: a copy of its terms and open lines, or, for a first
    commitment, the claimant's expected hours. The version in force is not touched: it stays in force (and
    overdue, if it is) until the draft is issued.

    Raises CommitmentDraftExists (carrying that draft) if a draft is already in progress.
    """
    with transaction.atomic():
        # Lock the claimant so two people starting a version at once get one draft and a clear message, not a
        # constraint error. (Issuing takes the same lock first, so the two never cross.)
        Claimant.objects.select_for_update().only("pk").get(pk=claimant.pk)
        existing = ClaimantCommitment.objects.filter(claimant=claimant, status=CommitmentStatus.DRAFT).first()
        if existing is not None:
            raise CommitmentDraftExists(existing)
        in_force = (
            _with_items(ClaimantCommitment.objects).filter(claimant=claimant, status__in=IN_FORCE).first()
        )
        last = ClaimantCommitment.objects.filter(claimant=claimant).aggregate(n=Max("version"))["n"] or 0
        if in_force is not None:
            terms = {
                "expected_hours": in_force.expected_hours,
                "expected_hours_reason": in_force.expected_hours_reason,
                "work_search_hours": in_force.work_search_hours,
                "requirements": in_force.requirements,
                "easements_note": in_force.easements_note,
            }
        else:
            terms = {
                "expected_hours": claimant.expected_hours,
                "expected_hours_reason": pack_reason(claimant.expected_hours_reason),
            }
        draft = ClaimantCommitment.objects.create(
            claimant=claimant, version=last + 1, status=CommitmentStatus.DRAFT, created_by=actor, **terms
        )
        if in_force is not None:
            CommitmentItem.objects.bulk_create(
                CommitmentItem(commitment=draft, side=item.side, text=item.text, by_date=item.by_date)
                for item in in_force.items.all()
                if item.done_on is None
            )
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=draft,
            payload={
                "claimant": claimant.pk,
                "version": draft.version,
                "based_on_version": in_force.version if in_force else None,
            },
        )
    return draft


def _item_problems(
    items: Sequence[ItemChange], existing: dict[int, CommitmentItem], today: date
) -> dict[str, str]:
    problems = {}
    for n, change in enumerate(items):
        if change.side not in CommitmentItem.Side.values:
            problems[f"items.{n}"] = "Choose whether the claimant or the Jobcentre will do this"
        elif change.item_id is not None and change.item_id not in existing:
            problems[f"items.{n}"] = "A line of this draft was removed by someone else. Reload the page."
        elif change.remove:
            continue
        elif not change.text.strip():
            problems[f"items.{n}"] = "Enter what will be done"
        elif len(change.text) > 300:
            problems[f"items.{n}"] = "A line must be 300 characters or fewer"
        else:
            was = existing.get(change.item_id) if change.item_id is not None else None
            if change.by_date and change.by_date < today and (was is None or was.by_date != change.by_date):
                problems[f"items.{n}"] = "The date must be today or in the future"
    return problems


def commitment_save_draft(
    *,
    commitment: ClaimantCommitment,
    lock_version: int,
    actor: StaffMember | None,
    expected_hours: Decimal,
    reason_code: str,
    reason_detail: str,
    work_search_hours: Decimal,
    requirements: str,
    easements_note: str,
    review_due: date | None,
    items: Sequence[ItemChange],
    today: date | None = None,
) -> ClaimantCommitment:
    """Save the draft's terms and lines together, or nothing at all.

    Raises ValidationError for bad terms, CommitmentConflict if someone saved since ``lock_version`` was
    read, CommitmentNotEditable if it is no longer a draft.
    """
    day = _today(today)
    if expected_hours is not None and expected_hours >= FULL_TIME_HOURS:
        reason_code, reason_detail = "", ""  # full-time hours need no reason; don't keep a stale one
    problems = commitment_problems(
        expected_hours=expected_hours,
        work_search_hours=work_search_hours,
        reason_code=reason_code,
        reason_detail=reason_detail,
        review_due=review_due,
        today=day,
    )
    if not (requirements or "").strip():
        problems["requirements"] = "Enter the claimant's requirements"
    with transaction.atomic():
        existing = {item.pk: item for item in CommitmentItem.objects.filter(commitment_id=commitment.pk)}
        problems.update(_item_problems(items, existing, day))
        if problems:
            raise ValidationError(problems)
        _guarded_update(
            commitment,
            lock_version=lock_version,
            expected_status=CommitmentStatus.DRAFT,
            expected_hours=expected_hours,
            expected_hours_reason=pack_reason(reason_code, reason_detail),
            work_search_hours=work_search_hours,
            requirements=requirements.strip(),
            easements_note=(easements_note or "").strip(),
            review_due=review_due,
        )
        added = changed = removed = 0
        to_delete = []
        for change in items:
            if change.item_id is None:
                if change.remove or not change.text.strip():
                    continue
                CommitmentItem.objects.create(
                    commitment=commitment, side=change.side, text=change.text.strip(), by_date=change.by_date
                )
                added += 1
            elif change.remove:
                to_delete.append(change.item_id)
            else:
                item = existing[change.item_id]
                if (item.side, item.text, item.by_date) != (change.side, change.text.strip(), change.by_date):
                    item.side, item.text, item.by_date = change.side, change.text.strip(), change.by_date
                    item.save(update_fields=["side", "text", "by_date"])
                    changed += 1
        if to_delete:
            removed, _ = CommitmentItem.objects.filter(commitment=commitment, pk__in=to_delete).delete()
        # Free text stays out of the audit payload: it may hold sensitive circumstances.
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=commitment,
            payload={
                "action": "draft_saved",
                "version": commitment.version,
                "lines_added": added,
                "lines_changed": changed,
                "lines_removed": removed,
            },
        )
    commitment.refresh_from_db()
    return commitment


def commitment_issue(
    *,
    commitment: ClaimantCommitment,
    lock_version: int,
    actor: StaffMember | None,
    review_due: date | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ClaimantCommitment:
    """Issue the draft: the claimant has 7 days to accept; review in 3 months unless a date was set. The version
    in force until now is superseded in the same transaction, so the claimant always has exactly one.

    If the commitment's expected hours (or reason) differ from the claimant's record, the record is updated
    through ``claimant_update_facts``, which recalculates the regime once this transaction commits.
    """
    day = _today(today)
    with transaction.atomic():
        # The claimant first (as starting a draft does), then every version of theirs: an acceptance, a save or
        # a discard that arrives meanwhile waits, then finds the version moved on and says so.
        claimant = Claimant.objects.select_for_update().get(pk=commitment.claimant_id)
        versions = list(
            ClaimantCommitment.objects.select_for_update().filter(claimant_id=claimant.pk).order_by("pk")
        )
        fresh = next((v for v in versions if v.pk == commitment.pk), None)
        if fresh is None:
            raise _stale(commitment.pk, expected_status=CommitmentStatus.DRAFT)
        if fresh.status != CommitmentStatus.DRAFT:
            raise CommitmentNotEditable(NOT_A_DRAFT_MESSAGE)
        if fresh.lock_version != lock_version:
            raise CommitmentConflict(CONFLICT_MESSAGE)
        review_due = review_due or fresh.review_due
        reason_code, reason_detail = unpack_reason(fresh.expected_hours_reason)
        problems = commitment_problems(
            expected_hours=fresh.expected_hours,
            work_search_hours=fresh.work_search_hours,
            reason_code=reason_code,
            reason_detail=reason_detail,
            review_due=review_due,
            today=day,
        )
        if not fresh.requirements.strip():
            problems["requirements"] = "Enter the claimant's requirements before issuing the commitment"
        if problems:
            raise ValidationError(problems)
        accept_by = day + ACCEPT_WITHIN
        review_due = review_due or add_months(day, REVIEW_AFTER_MONTHS)
        previous = next((v for v in versions if v.status in IN_FORCE), None)
        if previous is not None:
            # Before the draft is issued: the constraint allows one version in force at any moment.
            ClaimantCommitment.objects.filter(pk=previous.pk).update(
                status=CommitmentStatus.SUPERSEDED, lock_version=F("lock_version") + 1
            )
            audit_record(
                actor=actor,
                verb=AuditVerb.UPDATED,
                target=previous,
                payload={"action": "superseded", "version": previous.version, "by_version": fresh.version},
            )
        _guarded_update(
            fresh,
            lock_version=lock_version,
            expected_status=CommitmentStatus.DRAFT,
            status=CommitmentStatus.ISSUED,
            issued_at=now or timezone.now(),
            accept_by=accept_by,
            review_due=review_due,
        )
        facts_changed = claimant_update_facts(
            claimant=claimant,
            actor=actor,
            # From the start of the current assessment period: earlier periods keep the hours they were
            # decided with (issue #16).
            origin=FactsOrigin.COMMITMENT,
            reason=f"Claimant commitment version {fresh.version} issued",
            today=day,
            expected_hours=fresh.expected_hours,
            expected_hours_reason=reason_code if fresh.expected_hours < FULL_TIME_HOURS else "",
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=fresh,
            payload={
                "action": "issued",
                "version": fresh.version,
                "accept_by": accept_by.isoformat(),
                "review_due": review_due.isoformat(),
                "supersedes_version": previous.version if previous else None,
                "claimant_facts_changed": facts_changed,
            },
        )
        # Waiting for acceptance, acceptance overdue, review due. (A draft counts in no figure, so starting,
        # saving or discarding one recounts nothing.)
        figures_changed(claimant_ids=[claimant.pk])
    commitment.refresh_from_db()
    return commitment


def commitment_record_acceptance(
    *,
    commitment: ClaimantCommitment,
    lock_version: int,
    actor: StaffMember | None,
    now: datetime | None = None,
) -> ClaimantCommitment:
    """Record that the claimant accepted the issued version (late acceptance is recorded too)."""
    with transaction.atomic():
        accepted_at = now or timezone.now()
        _guarded_update(
            commitment,
            lock_version=lock_version,
            expected_status=CommitmentStatus.ISSUED,
            status=CommitmentStatus.ACCEPTED,
            accepted_at=accepted_at,
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=commitment,
            payload={
                "action": "accepted",
                "version": commitment.version,
                "accepted_at": accepted_at.isoformat(),
            },
        )
        figures_changed(claimant_ids=[commitment.claimant_id])
    commitment.refresh_from_db()
    return commitment


def commitment_discard_draft(
    *, commitment: ClaimantCommitment, lock_version: int, actor: StaffMember | None
) -> None:
    """Throw the draft away (with its lines). Nothing else changes: the version in force was never touched."""
    with transaction.atomic():
        deleted, _ = ClaimantCommitment.objects.filter(
            pk=commitment.pk, status=CommitmentStatus.DRAFT, lock_version=lock_version
        ).delete()
        if not deleted:
            raise _stale(commitment.pk, expected_status=CommitmentStatus.DRAFT)
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target_type=ClaimantCommitment._meta.label_lower,
            target_id=commitment.pk,
            payload={"action": "draft_discarded", "version": commitment.version},
        )
