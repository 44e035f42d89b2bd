"""The one audit service (DESIGN §6.3): called inside the same transaction as the change it records.

Audit events are append-only: ``AuditEvent`` refuses updates and deletes through the ORM
(``iwp.models.AuditIsAppendOnly``) and, on PostgreSQL, a trigger refuses them from any client.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction

from iwp.models import AuditEvent, AuditIsAppendOnly, AuditVerb, StaffMember

__all__ = [
    "STANDALONE_VERBS",
    "AuditIsAppendOnly",
    "AuditOutsideTransaction",
    "audit_event",
    "audit_record",
]


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


# The deliberate exception to the rule above. Signing in, signing out, a failed sign-in and a download change none
# of our records, so there is no transaction of a change for their event to join: Django's auth signals fire outside
# any transaction (the session is saved by middleware after the view), and an export only reads. Their events are
# written in a transaction of their own, committed at once, so a later error in the same request cannot erase the
# record that someone signed in or took data away. Only these verbs may be written this way: every other verb
# records a change and must still be written inside that change's transaction (``audit_record``).
STANDALONE_VERBS = frozenset(
    {AuditVerb.LOGGED_IN, AuditVerb.LOGGED_OUT, AuditVerb.LOGIN_FAILED, AuditVerb.EXPORTED}
)


def audit_event(
    *,
    actor: StaffMember | None,
    verb: AuditVerb,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an event that is not a change (sign-in, sign-out, failed sign-in, export) in its own transaction."""
    if verb not in STANDALONE_VERBS:
        raise AuditOutsideTransaction(
            f"{verb} records a change: audit it with audit_record inside the change's transaction"
        )
    with transaction.atomic():
        return audit_record(
            actor=actor,
            verb=verb,
            target=target,
            target_type=target_type,
            target_id=target_id,
            payload=payload,
        )
