"""Hardening middleware (issue #15): response headers, and the idle and absolute session time-outs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Kept in the session: when the member of staff signed in, and when they were last seen (epoch seconds).
SIGNED_IN_AT = "iwp_signed_in_at"
LAST_SEEN = "iwp_last_seen"
# Left in the (anonymous) session after a time-out, for the sign-in page to say why: "idle" or "absolute".
TIMED_OUT = "iwp_timed_out"
# "Last seen" is rewritten at most once a minute: rewriting it on every request would save the session (a database
# write) on every page. So the idle time-out is exact to within a minute.
LAST_SEEN_EVERY_SECONDS = 60


def stamp_sign_in(request: HttpRequest) -> None:
    """Start both clocks (called when someone signs in)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def not_activity(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view the browser calls by itself (a progress bar polling): it does not count as the user being
    active, so a page left open does not keep a session alive for ever. Apply it outermost."""
    view.iwp_not_activity = True  # type: ignore[attr-defined]
    return view


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response; ``Cache-Control: no-store`` (Django's never-cache set) on every
    response to a signed-in member of staff, so no page, CSV or API answer with claimants' data is kept by the
    browser or a proxy. Static files (WhiteNoise answers them before this runs) and public pages stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.IWP_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or getattr(request, "iwp_signed_out", False):
            add_never_cache_headers(response)
        return response


class SessionTimeoutMiddleware:
    """Signs a member of staff out after ``IWP_IDLE_TIMEOUT_MINUTES`` without a request, and ``SESSION_COOKIE_AGE``
    after signing in however active they are (the session cookie's own expiry is renewed whenever the session is
    saved, so it is not an absolute limit by itself). The sign-out is audited with its reason; the request then
    goes on as anonymous, so ``LoginRequiredMiddleware`` sends a page to the sign-in page (which says why) and the
    API answers 401/403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None  # not signed in (checked without loading the user)
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen = session.get(LAST_SEEN)
        reason = ""
        if signed_in_at is not None and now - signed_in_at >= settings.SESSION_COOKIE_AGE:
            reason = "absolute"
        elif last_seen is not None and now - last_seen >= settings.IWP_IDLE_TIMEOUT_MINUTES * 60:
            reason = "idle"
        if reason:
            request.iwp_sign_out_reason = reason  # type: ignore[attr-defined]  # read by the audit receiver
            logout(request)
            request.session[TIMED_OUT] = reason
            request.iwp_signed_out = True  # type: ignore[attr-defined]
            return None
        if signed_in_at is None:  # a session from before these clocks: count from now
            session[SIGNED_IN_AT] = now
        if last_seen is None or (
            now - last_seen >= LAST_SEEN_EVERY_SECONDS and not getattr(view_func, "iwp_not_activity", False)
        ):
            session[LAST_SEEN] = now
        return None
