"""Signing in, signing out and failed sign-ins are audited (issue #15), through Django's own auth signals — the
only way to see every sign-in (the sign-in page, Django admin's, a test's ``force_login``) and every failed one
(django-axes's lockout included: a locked-out attempt is refused by its backend, and Django sends
``user_login_failed`` for it too).

These events change none of our records, so they are written with ``iwp.audit.audit_event`` in a transaction of
their own (the deliberate exception to "audit inside the change's transaction"; see ``iwp/audit.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from iwp.audit import audit_event
from iwp.middleware import stamp_sign_in
from iwp.models import AuditVerb, StaffMember


def _address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # django-axes has already worked out the client's address (its own proxy settings); else the peer's address.
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))[:64]


def on_signed_in(sender: Any, request: HttpRequest | None, user: StaffMember, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        stamp_sign_in(request)
    audit_event(actor=user, verb=AuditVerb.LOGGED_IN, target=user, payload={"address": _address(request)})


def on_signed_out(sender: Any, request: HttpRequest | None, user: StaffMember | None, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # "signing out" without being signed in changes nothing
    reason = getattr(request, "iwp_sign_out_reason", "") or "signed out"
    audit_event(
        actor=user,
        verb=AuditVerb.LOGGED_OUT,
        target=user,
        payload={"reason": reason, "address": _address(request)},
    )


def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The account tried is named only when it exists: what someone typed into the username box of a failed
    sign-in is often their password, and that must not end up in the audit trail."""
    username = str(credentials.get("username") or "")[:150]
    account = (
        StaffMember.objects.filter(username=username).only("pk", "username").first() if username else None
    )
    payload: dict[str, Any] = {
        "address": _address(request),
        "locked_out": bool(getattr(request, "axes_locked_out", False)),
    }
    if account is not None:
        payload["username"] = account.username
    else:
        payload["account"] = "not known"
    audit_event(
        actor=None,
        verb=AuditVerb.LOGIN_FAILED,
        target=account,
        target_type="" if account is not None else "iwp.staffmember",
        payload=payload,
    )


def connect() -> None:
    user_logged_in.connect(on_signed_in, dispatch_uid="iwp.audit.signed_in")
    user_logged_out.connect(on_signed_out, dispatch_uid="iwp.audit.signed_out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="iwp.audit.sign_in_failed")
