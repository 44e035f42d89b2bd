"""Reads for the Open Referral UK feed: a district's published offers (active only — never paused or
archived, never anything about referrals or claimants), the profile's filters, and the read keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import time

from django.db.models import Exists, OuterRef, Q, QuerySet

from iwp.models import District
from provision.models import OfferStatus, OpenReferralKey, ProvisionOffer, Session
from provision.openreferral import serialise


@dataclass(frozen=True)
class FeedFilters:
    """The UK profile's filters for ``/services``, as its OpenAPI file describes them."""

    text: str = ""
    taxonomy_term_id: str = ""
    minimum_age: int | None = None  # services whose minimum age is at least this
    maximum_age: int | None = None  # services whose maximum age is at most this
    day: int | None = None  # a session on this weekday (0 = Monday)
    start_time: time | None = None  # a session starting at or after this
    end_time: time | None = None  # a session ending at or before this


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def active_key(raw: str) -> OpenReferralKey | None:
    """The unrevoked key with this value, if any (looked up by its hash; the key itself is never stored)."""
    return (
        OpenReferralKey.objects.select_related("district")
        .filter(key_hash=key_hash(raw), revoked_at__isnull=True)
        .first()
    )


def published_offers(district_id: int) -> QuerySet[ProvisionOffer]:
    """The district's active offers, with what the serialiser reads loaded in two queries."""
    return (
        ProvisionOffer.objects.filter(district_id=district_id, status=OfferStatus.ACTIVE)
        .select_related("provider")
        .prefetch_related("sessions", "contacts")
        .order_by("name", "pk")
    )


def exportable_offers(district: District, *, include_archived: bool = False) -> QuerySet[ProvisionOffer]:
    """The district's list for the export command: active and paused entries (and archived ones if asked)."""
    qs = ProvisionOffer.objects.filter(district=district)
    if not include_archived:
        qs = qs.exclude(status=OfferStatus.ARCHIVED)
    return (
        qs.select_related("provider")
        .prefetch_related("sessions", "contacts")
        .order_by("provider__name", "name", "pk")
    )


def filter_offers(qs: QuerySet[ProvisionOffer], filters: FeedFilters) -> QuerySet[ProvisionOffer]:
    if filters.text:
        qs = qs.filter(
            Q(name__icontains=filters.text)
            | Q(description__icontains=filters.text)
            | Q(provider__name__icontains=filters.text)
        )
    if filters.taxonomy_term_id:
        term = filters.taxonomy_term_id.strip()
        # The term's id, or our category code for people reading the feed by hand; an unknown term finds nothing.
        qs = qs.filter(category=serialise.CATEGORY_BY_TERM_ID.get(term.lower(), term))
    # Ages: an unknown bound does not match a filter on it (the feed does not say "any age" for "unknown").
    if filters.minimum_age is not None:
        qs = qs.filter(min_age__gte=filters.minimum_age)
    if filters.maximum_age is not None:
        qs = qs.filter(max_age__lte=filters.maximum_age)
    # Day and times describe one session: "a Tuesday session starting after 18:00", not any mix of sessions.
    session = Q()
    if filters.day is not None:
        session &= Q(weekday=filters.day)
    if filters.start_time is not None:
        session &= Q(starts_at__gte=filters.start_time)
    if filters.end_time is not None:
        session &= Q(ends_at__lte=filters.end_time)
    if session:
        qs = qs.filter(Exists(Session.objects.filter(session, offer=OuterRef("pk"))))
    return qs


def published_offer(district_id: int, public_service_id: str) -> ProvisionOffer | None:
    """One active offer of the district by its feed id (a UUID derived from the row id)."""
    wanted = public_service_id.strip().lower()
    ids = ProvisionOffer.objects.filter(district_id=district_id, status=OfferStatus.ACTIVE).values_list(
        "pk", flat=True
    )
    # The ids are derived, not stored: hashing a district's few thousand row ids takes milliseconds.
    pk = next((pk for pk in ids.iterator() if serialise.service_id(pk) == wanted), None)
    return None if pk is None else published_offers(district_id).filter(pk=pk).first()
