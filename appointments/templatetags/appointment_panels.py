"""Appointment panels for pages other apps own (caseload, claimant record).

Claimants come before appointments in the dependency order (DESIGN §1), so the claimants app's Python never
imports appointments; its templates load these tags instead, and the tags read through our selectors.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from appointments import selectors
from appointments.rules import outcome_open

register = template.Library()

# A GOV.UK tag colour per appointment status (grey for the rest: moved, cancelled).
STATUS_COLOURS = {
    "booked": "govuk-tag--blue",
    "attended": "govuk-tag--green",
    "late": "govuk-tag--yellow",
    "failed_to_attend": "govuk-tag--red",
}


@register.simple_tag(takes_context=True)
def status_tag(context: template.Context, appointment) -> SafeString:
    """The appointment's status as a GOV.UK tag; a booked one that has ended says "Outcome to record" (when the
    page gives ``now``). A tag in Python, not an include: the diary and the caseload show one per row."""
    now = context.get("now")
    if appointment.status == "booked" and now and appointment.ends_at <= now:
        return mark_safe('<strong class="govuk-tag govuk-tag--yellow">Outcome to record</strong>')
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        STATUS_COLOURS.get(appointment.status, "govuk-tag--grey"),
        appointment.get_status_display(),
    )


@register.simple_tag(takes_context=True)
def appointment_links(context: template.Context, appointment) -> SafeString | str:
    """Links to move or cancel a booked appointment and, once it has started, to record its outcome (nothing for
    other statuses): only what the coach may do now is offered."""
    if appointment.status != "booked":
        return ""
    name = appointment.claimant.full_name
    now = context.get("now") or timezone.now()
    record = (
        format_html(
            '<li><a class="govuk-link" href="{}">Record outcome<span class="govuk-visually-hidden"> for {}, {}'
            "</span></a></li>",
            reverse("appointments:outcome", args=[appointment.pk]),
            name,
            date_format(localtime(appointment.starts_at), "j F H:i"),
        )
        if outcome_open(now=now, starts_at=appointment.starts_at)
        else ""
    )
    return format_html(
        '<ul class="govuk-list govuk-!-margin-bottom-0">{}'
        '<li><a class="govuk-link" href="{}">Move<span class="govuk-visually-hidden"> {}\'s appointment</span></a></li>'
        '<li><a class="govuk-link" href="{}">Cancel<span class="govuk-visually-hidden"> {}\'s appointment</span></a></li>'
        "</ul>",
        record,
        reverse("appointments:rebook", args=[appointment.pk]),
        name,
        reverse("appointments:cancel", args=[appointment.pk]),
        name,
    )


# The record's appointments card shows the first 10 of these (the timeline, ``iwp.timeline``, reads its own).
RECENT_APPOINTMENTS = 15


def _recent_appointments(context: template.Context, claimant) -> list:
    """The claimant's latest appointments, read once per request (kept on the request, which ends with the
    page, so a later request never sees a stale list)."""
    request = context.get("request")
    read = request.__dict__.setdefault("_iwp_recent_appointments", {}) if request is not None else {}
    if claimant.pk not in read:
        read[claimant.pk] = selectors.claimant_appointments(claimant, limit=RECENT_APPOINTMENTS)
    return read[claimant.pk]


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
        **selectors.claimant_panels(
            request.user, claimant, appointments=_recent_appointments(context, claimant)
        ),
    }
