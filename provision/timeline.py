"""What the provision app adds to the timeline (``iwp.timeline``): each signposting or referral, and each
change of a referral's status, from its history rows. One query, however long the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from claimants.models import Claimant
from iwp import timeline
from iwp.input.dates import long_date
from iwp.models import StaffMember
from iwp.timeline import TimelineEntry
from provision.models import ReferralStatus, ReferralStatusChange


def _title(change: ReferralStatusChange) -> str:
    offer = change.referral.offer.name
    if not change.from_status:
        return (
            f"Signposted to {offer}"
            if change.to_status == ReferralStatus.SIGNPOSTED
            else f"Referred to {offer}"
        )
    if change.to_status == ReferralStatus.REFERRED:
        return f"Referred to {offer} (after signposting)"
    return f"Referral to {offer}: {change.get_to_status_display().lower()}"


def referral_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each step of each referral's history, when it was recorded (the day it happened, if earlier, is said)."""
    rows = ReferralStatusChange.objects.filter(referral__claimant=claimant)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    rows = rows.select_related("referral__offer__provider", "by").order_by("-at", "-pk")[:limit]
    entries = []
    for change in rows:
        lines = [f"{change.referral.offer.provider.name}. Recorded by {change.by}."]
        if change.on != timezone.localdate(change.at):
            lines.append(f"It happened on {long_date(change.on)}.")
        if change.note:
            lines.append(change.note)
        entries.append(
            TimelineEntry(
                change.at,
                "referrals",
                _title(change),
                "\n".join(lines),
                reverse("provision:referral_detail", args=[change.referral_id]),
            )
        )
    return entries


def register(registry: timeline.TimelineRegistry | Any = None) -> None:
    registry = registry or timeline.registry
    registry.add("referrals", "Referrals and signposting", referral_entries, position=50)
