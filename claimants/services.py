"""Writes for claimants: each in one transaction, audited, and enqueuing the regime recalculation on commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimants.facts.services import facts_change, facts_first_version
from claimants.models import (
    SENSITIVE_BARRIERS,
    VERSIONED_FACTS,
    BusyTime,
    Circumstance,
    Claimant,
    ClaimantFacts,
    CoachAssignment,
    EarningsRecord,
    EarningsSource,
    Easement,
    Employment,
    FactsOrigin,
    normalise_nino,
)
from claimants.regimes.engine import Cause
from claimants.regimes.selectors import assessment_period_problem
from iwp.audit import audit_record
from iwp.background.outbox import send_on_commit
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember

# Facts whose change can move a regime (rulebook §3 "events that must recompute a regime").
REGIME_FACTS = (
    "date_of_birth",
    "conditionality_group",
    "expected_hours",
    "expected_hours_reason",
    "apprentice",
    "self_employed",
    "minimum_income_floor",
    "partner",
    "has_non_uc_partner",
    "non_uc_partner_date_of_birth",
)


def mark_regimes_stale(claimant_ids: list[int], cause: Cause) -> None:
    """Mark the claimants' regimes as needing recalculation, in the change's transaction (the first mark and its
    cause stand until a recalculation clears them)."""
    Claimant.objects.filter(pk__in=claimant_ids, regime_stale_since__isnull=True).update(
        regime_stale_since=timezone.now(), regime_stale_cause=str(cause)
    )


def enqueue_recalculation(claimant_id: int, cause: Cause) -> None:
    """The recalculation a change implies, written in the change's transaction — a mark on the claimant and an
    intent in the outbox (iwp.background.outbox) — and sent when it commits (the worker must see the committed facts). If
    Redis is down the relay sends it later; if anything is lost on the way, the reconciliation finds the mark."""
    mark_regimes_stale([claimant_id], cause)
    send_on_commit(
        "claimants.recalculate_claimant", claimant_id, str(cause), key=f"recalculate:{claimant_id}:{cause}"
    )


def claimant_record_earnings(
    *,
    claimant: Claimant,
    period_start: date,
    employed_earnings: Decimal,
    self_employed_earnings: Decimal = Decimal(0),
    paydays: int | None = None,
    source: str = EarningsSource.MANUAL,
    received_at: datetime | None = None,
    non_uc_partner_employed: Decimal | None = None,
    non_uc_partner_self_employed: Decimal | None = None,
    actor: StaffMember | None = None,
    recalculate: bool = True,
) -> tuple[EarningsRecord, bool]:
    """Record (or correct) one period's earnings. A correction keeps the old figures as a superseded row.

    Returns the current record and whether anything changed (the same figures again change nothing). Raises
    ValidationError, before anything is written, for a period that could never be decided.
    """
    problem = assessment_period_problem(period_start)
    if problem:
        raise ValidationError({"period_start": problem})
    with transaction.atomic():
        current = (
            EarningsRecord.objects.select_for_update()
            .filter(claimant=claimant, period_start=period_start, is_current=True)
            .first()
        )
        figures = {
            "employed_earnings": employed_earnings,
            "self_employed_earnings": self_employed_earnings,
            "paydays": paydays,
            "non_uc_partner_employed": non_uc_partner_employed,
            "non_uc_partner_self_employed": non_uc_partner_self_employed,
        }
        if current is not None and all(getattr(current, k) == v for k, v in figures.items()):
            return current, False
        now = timezone.now()
        if current is not None:
            EarningsRecord.objects.filter(pk=current.pk).update(is_current=False, superseded_at=now)
        record = EarningsRecord.objects.create(
            claimant=claimant,
            period_start=period_start,
            source=source,
            received_at=received_at or now,
            recorded_by=actor,
            **figures,
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED if current is None else AuditVerb.UPDATED,
            target=record,
            payload={
                "claimant": claimant.pk,
                "period_start": period_start.isoformat(),
                "source": source,
                "employed": str(employed_earnings),
                "self_employed": str(self_employed_earnings),
                "correction_of": current.pk if current else None,
            },
        )
        if recalculate:
            enqueue_recalculation(claimant.pk, Cause.EARNINGS)
    return record, True


def claimant_update_facts(
    *,
    claimant: Claimant,
    actor: StaffMember | None,
    effective_from: date | None = None,
    reason: str = "",
    origin: str = FactsOrigin.RECORDED,
    today: date | None = None,
    **changes: Any,
) -> list[str]:
    """Change a claimant's recorded details and facts; recalculates when a fact the regime depends on changed.

    The regime facts (``VERSIONED_FACTS``) change from ``effective_from`` (default: the start of the current
    assessment period; see ``claimants.facts.services``), so periods before it keep the facts they were decided
    with. Other details (name, contact, date of birth) are corrections and simply change."""
    dated = {name: value for name, value in changes.items() if name in VERSIONED_FACTS}
    plain = {name: value for name, value in changes.items() if name not in VERSIONED_FACTS}
    with transaction.atomic():
        locked = Claimant.objects.select_for_update().get(pk=claimant.pk)
        changed = [name for name, value in plain.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, plain[name])
        if changed:
            locked.full_clean(exclude=["partner", "coach", "jobcentre"])
            locked.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, verb=AuditVerb.UPDATED, target=locked, payload={"fields": changed})
        recalculate = [locked.pk] if any(name in REGIME_FACTS for name in changed) else []
        if dated:
            partners_before = _partner_ids(locked)
            if "partner" in dated:
                _unlink_old_partners(
                    locked, dated, effective_from=effective_from, actor=actor, origin=origin, today=today
                )
            facts = facts_change(
                claimant=locked,
                actor=actor,
                changes=dated,
                effective_from=effective_from,
                reason=reason,
                origin=origin,
                today=today,
            )
            if "partner" in facts and locked.partner_id:
                # The other side of a joint claim says the same, from the same date.
                facts_change(
                    claimant=Claimant.objects.select_for_update().get(pk=locked.partner_id),
                    actor=actor,
                    changes={
                        "partner": locked.pk,
                        "has_non_uc_partner": False,
                        "non_uc_partner_date_of_birth": None,
                    },
                    effective_from=effective_from,
                    reason=reason,
                    origin=origin,
                    today=today,
                )
            if facts:
                changed += facts
                # A joint claim is decided as a household: both partners, and any partner before, are recalculated.
                recalculate = [locked.pk, *sorted(partners_before | _partner_ids(locked))]
        for claimant_id in dict.fromkeys(recalculate):
            enqueue_recalculation(claimant_id, Cause.CIRCUMSTANCE)
    locked.refresh_from_db()
    for name in VERSIONED_FACTS + tuple(plain):
        field = "partner_id" if name == "partner" else name
        setattr(claimant, field, getattr(locked, field))
    return changed


def _unlink_old_partners(
    claimant: Claimant,
    dated: dict[str, Any],
    *,
    effective_from: date | None,
    actor: StaffMember | None,
    origin: str,
    today: date | None,
) -> None:
    """Before a joint claim is formed or ended from a date, whoever was either side's partner then stops being
    it from that date (a claimant has one partner at a time)."""
    new = dated["partner"]
    new_id = new.pk if isinstance(new, Claimant) else new
    others = [claimant.partner_id, *([new_id] if new_id else [])]
    if new_id:
        others.append(Claimant.objects.filter(pk=new_id).values_list("partner_id", flat=True).first())
    for other_id in sorted({o for o in others if o and o not in (claimant.pk, new_id)}):
        other = Claimant.objects.select_for_update().get(pk=other_id)
        facts_change(
            claimant=other,
            actor=actor,
            changes={"partner": None},
            effective_from=effective_from,
            origin=origin,
        )


def _partner_ids(claimant: Claimant) -> set[int]:
    """Every claimant who is this claimant's partner in any version of their facts."""
    return set(
        ClaimantFacts.objects.filter(claimant=claimant, partner__isnull=False).values_list(
            "partner_id", flat=True
        )
    )


def claimant_add_easement(
    *, claimant: Claimant, kind: str, starts_on: date, ends_on: date, reason: str, actor: StaffMember | None
) -> Easement:
    with transaction.atomic():
        easement = Easement(
            claimant=claimant,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            recorded_by=actor,
        )
        easement.full_clean()
        easement.save()
        # The payload deliberately leaves out the reason: it may be sensitive (domestic abuse).
        audit_record(actor=actor, verb=AuditVerb.CREATED, target=easement, payload={"kind": kind})
        enqueue_recalculation(claimant.pk, Cause.EASEMENT)
    return easement


def claimant_create(*, actor: StaffMember, **fields: Any) -> Claimant:
    """A new claimant on the actor's jobcentre (coach defaults to the actor), with their first assignment row."""
    with transaction.atomic():
        claimant = Claimant(**fields)
        claimant.nino = normalise_nino(claimant.nino)
        if not claimant.jobcentre_id:
            claimant.jobcentre_id = actor.jobcentre_id
        claimant.full_clean()
        claimant.save()
        facts_first_version(claimant=claimant, actor=actor)
        if claimant.coach_id:
            CoachAssignment.objects.create(
                claimant=claimant,
                coach_id=claimant.coach_id,
                assigned_at=timezone.now(),
                assigned_by=actor,
                reason="New claimant",
            )
        audit_record(actor=actor, verb=AuditVerb.CREATED, target=claimant, payload={"nino": claimant.nino})
        figures_changed([claimant.coach_id])  # the coach's caseload (recounted once the claimant commits)
    return claimant


def claimant_reassign(
    *,
    claimant: Claimant,
    to_coach: StaffMember,
    actor: StaffMember,
    reason: str = "",
    handover_summary: str = "",
) -> CoachAssignment:
    """Move a claimant to another work coach: the old assignment is closed (history), a new one opened with the
    handover summary the new coach reads first."""
    if to_coach.jobcentre_id != claimant.jobcentre_id:
        raise ValidationError({"to_coach": "Choose a work coach in the claimant's jobcentre."})
    with transaction.atomic():
        locked = Claimant.objects.select_for_update(of=("self",)).get(pk=claimant.pk)
        if locked.coach_id == to_coach.pk:
            raise ValidationError(
                {
                    "to_coach": f"{to_coach.get_full_name()} is already {locked.full_name}'s work coach: choose another"
                }
            )
        now = timezone.now()
        previous = locked.coach_id
        CoachAssignment.objects.filter(claimant=locked, unassigned_at__isnull=True).update(unassigned_at=now)
        assignment = CoachAssignment.objects.create(
            claimant=locked,
            coach=to_coach,
            assigned_at=now,
            assigned_by=actor,
            reason=reason,
            handover_summary=handover_summary,
        )
        Claimant.objects.filter(pk=locked.pk).update(coach=to_coach, updated_at=now)
        audit_record(
            actor=actor,
            verb=AuditVerb.REASSIGNED,
            target=locked,
            payload={"from": previous, "to": to_coach.pk, "reason": reason},
        )
        # Every figure of the claimant leaves one coach and joins the other: both are recounted on commit (a
        # bulk move calls this per claimant inside one transaction, and still gets one recount).
        figures_changed([previous, to_coach.pk])
    claimant.coach = to_coach
    return assignment


def circumstance_add(
    *, claimant: Claimant, kind: str, detail: str, sensitive: bool, actor: StaffMember
) -> Circumstance:
    with transaction.atomic():
        circumstance = Circumstance(
            claimant=claimant,
            kind=kind,
            detail=detail,
            sensitive=sensitive or kind in SENSITIVE_BARRIERS,
            recorded_by=actor,
        )
        circumstance.full_clean()
        circumstance.save()
        # Never copy the detail into the audit log: it may be sensitive.
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=circumstance,
            payload={"kind": kind, "sensitive": circumstance.sensitive},
        )
    return circumstance


def sensitive_circumstances_view(*, claimant: Claimant, actor: StaffMember) -> list[Circumstance]:
    """Show the restricted circumstances (and easement kinds) of one claimant; every call is audited."""
    with transaction.atomic():
        items = list(Circumstance.objects.filter(claimant=claimant, sensitive=True))
        audit_record(
            actor=actor,
            verb=AuditVerb.VIEWED_SENSITIVE,
            target=claimant,
            payload={"circumstances": [c.pk for c in items]},
        )
    return items


def shift_problem(starts_at: Any, ends_at: Any) -> str | None:
    """A weekly shift ends after it starts (the employment page and the API)."""
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        return "The shift must end after it starts"
    return None


def employment_save(
    *,
    claimant: Claimant,
    actor: StaffMember,
    employment: Employment | None,
    fields: dict[str, Any],
    shifts: list[dict[str, Any]],
) -> Employment:
    """Create or update an employment and replace its weekly shifts, in one transaction. A shift that does not
    end after it starts is refused (ValidationError naming it) before anything is written."""
    problems = {
        f"shifts.{n}.ends_at": problem
        for n, shift in enumerate(shifts)
        if (problem := shift_problem(shift.get("starts_at"), shift.get("ends_at")))
    }
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        employment = employment or Employment(claimant=claimant)
        for name, value in fields.items():
            setattr(employment, name, value)
        employment.full_clean()
        employment.save()
        BusyTime.objects.filter(employment=employment).delete()
        BusyTime.objects.bulk_create(
            [
                BusyTime(claimant=claimant, employment=employment, kind=BusyTime.Kind.WORK, **shift)
                for shift in shifts
            ]
        )
        audit_record(actor=actor, verb=AuditVerb.UPDATED, target=employment, payload={"shifts": len(shifts)})
    return employment
