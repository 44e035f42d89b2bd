"""The one audit service (DESIGN §6.3): called inside the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from iwp.models import AuditEvent, AuditVerb, StaffMember


class AuditOutsideTransaction(RuntimeError):
    """Raised when a write tries to audit itself outside transaction.atomic (the event could be lost)."""


def audit_record(
    *,
    actor: StaffMember | None,
    verb: AuditVerb,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction("audit_record must run inside the transaction of the change it records")
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target_type,
        target_id=str(target_id),
        payload=payload or {},
    )
