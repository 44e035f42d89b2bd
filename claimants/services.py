"""Writes for claimants: each in one transaction, audited, and enqueuing the regime recalculation on commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from claimants.models import Claimant, EarningsRecord, EarningsSource, Easement
from claimants.regimes import Cause
from iwp.audit import audit_record
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


def enqueue_recalculation(claimant_id: int, cause: Cause) -> None:
    """Recalculate after the transaction commits (the worker must see the committed facts)."""
    from claimants.tasks import recalculate_claimant

    transaction.on_commit(lambda: recalculate_claimant.delay(claimant_id, str(cause)))


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

    Returns the current record and whether anything changed (the same figures again change nothing).
    """
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


def claimant_update_facts(*, claimant: Claimant, actor: StaffMember | None, **changes: Any) -> list[str]:
    """Change a claimant's recorded facts; recalculates when a fact the regime depends on changed."""
    with transaction.atomic():
        locked = Claimant.objects.select_for_update().get(pk=claimant.pk)
        changed = []
        for name, value in changes.items():
            if getattr(locked, name) != value:
                changed.append(name)
                setattr(locked, name, value)
        if not changed:
            return []
        locked.full_clean(exclude=["partner", "coach", "jobcentre"])
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, verb=AuditVerb.UPDATED, target=locked, payload={"fields": changed})
        if any(name in REGIME_FACTS for name in changed):
            enqueue_recalculation(locked.pk, Cause.CIRCUMSTANCE)
    for name in changed:
        setattr(claimant, name, getattr(locked, name))
    return changed


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
