"""Appointment panels for pages other apps own (caseload, claimant record).

Claimants come before appointments in the dependency order (DESIGN §1), so the claimants app's Python never
imports appointments; its templates load these tags instead, and the tags read through our selectors.
"""

from __future__ import annotations

from typing import Any

from django import template

from appointments import selectors

register = template.Library()


@register.inclusion_tag("appointments/_caseload_panels.html", takes_context=True)
def caseload_panels(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **selectors.caseload_panels(request.user),
    }


@register.inclusion_tag("appointments/_record_panels.html", takes_context=True)
def claimant_panels(context: template.Context, claimant) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **selectors.claimant_panels(request.user, claimant),
    }
