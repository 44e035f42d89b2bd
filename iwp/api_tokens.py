"""API tokens for systems (issue #15): issued and revoked here (writes, audited), looked up by their hash.

A token is ``secrets.token_urlsafe(32)`` (256 bits), shown once when issued; only its SHA-256 is stored. It acts
as the member of staff it was issued to — their role, office and scoping — until it is revoked or they are
deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from iwp.audit import audit_record
from iwp.models import ApiToken, AuditVerb, StaffMember

# ``last_used_at`` is written at most this often per token: a write per request would cost more than it tells.
LAST_USED_EVERY = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A new secret key shown once: ``secrets.token_urlsafe(32)`` (256 bits), drawn again when it would start with
    "-". Its first 8 characters are the prefix staff type to revoke it (``manage.py api_token revoke --prefix``,
    ``openreferral_key revoke``), and a command line takes "-sY1hxar" for an option: one key in 64 could not be
    revoked as the help says (a CI run drew one)."""
    while True:
        raw = secrets.token_urlsafe(32)
        if not raw.startswith("-"):
            return raw


def token_issue(
    *, user: StaffMember, name: str = "", actor: StaffMember | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the key (the only time the key exists outside the caller)."""
    raw = new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip(), key_hash=token_hash(raw), prefix=raw[:8]
        )
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=token,
            payload={"user": user.pk, "prefix": token.prefix, "name": token.name},
        )
    return token, raw


def token_revoke(*, token: ApiToken, actor: StaffMember | None = None) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb=AuditVerb.UPDATED, target=token, payload={"revoked": True})
    return token


def token_lookup(raw: str) -> ApiToken | None:
    """The token in use with this key, with its member of staff and their office (one query), or None."""
    token = (
        ApiToken.objects.select_related("user__team__jobcentre", "user__jobcentre__district")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
