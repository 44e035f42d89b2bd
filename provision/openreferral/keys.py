"""Issuing and revoking the district's feed keys (writes, audited). The key is returned once, to be handed
to the service that will read the feed; only its hash is kept."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from iwp.api_tokens import new_key
from iwp.audit import audit_record
from iwp.models import AuditVerb, District, StaffMember
from provision.models import OpenReferralKey
from provision.openreferral.selectors import key_hash


def key_issue(
    *, district: District, holder: str, actor: StaffMember | None = None
) -> tuple[OpenReferralKey, str]:
    raw = new_key()
    with transaction.atomic():
        key = OpenReferralKey.objects.create(
            district=district, holder=holder.strip(), key_hash=key_hash(raw), prefix=raw[:8]
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=key,
            payload={"holder": key.holder, "prefix": key.prefix},
        )
    return key, raw


def key_revoke(*, key: OpenReferralKey, actor: StaffMember | None = None) -> OpenReferralKey:
    with transaction.atomic():
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb=AuditVerb.UPDATED, target=key, payload={"revoked": True})
    return key
