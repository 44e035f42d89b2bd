"""Offers as Open Referral UK services (UK profile 3.0, the shape of ``schema/compiled/service.json``).

What is unknown is left out, never guessed: no ages → no ``minimum_age``/``maximum_age``; no postcode and no
place → no ``service_at_locations``; no review date → no ``assured_date``. Where the profile's schema *requires*
a key we cannot know (an address's city, an organisation's description), it is sent empty, not invented. The
schema also requires ``url`` on schedules, cost options, contacts and locations: those carry the service's own
``url`` (the provider's website if we hold one, else the service's record in this feed) — a real link to where
the detail is published.

Statuses: active → ``active``; paused → ``temporarily closed`` (the lead expects it back); archived →
``inactive``. The feed API publishes active offers only; the export command can include the others.

Ids are UUIDs (the profile's format), derived from our row ids (UUID 5), so they are stable across exports
and re-imports find the same service again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from provision.models import Category, DeliveryMode, OfferStatus, Provider, ProvisionOffer, Session

NAMESPACE = uuid.UUID("5d8a3f3e-6a0b-4c57-9a43-7f3f0b8f6c21")  # fixed: changing it changes every id
TAXONOMY = "IWP Casework provision categories"
STATUS = {
    OfferStatus.ACTIVE: "active",
    OfferStatus.PAUSED: "temporarily closed",
    OfferStatus.ARCHIVED: "inactive",
}
# How to attend (the profile's attending_type words; the importer reads them back to the delivery mode).
# Not known → no attending_type at all.
ATTENDING = {
    DeliveryMode.IN_PERSON: "venue",
    DeliveryMode.ONLINE: "online",
    DeliveryMode.BLENDED: "blended",
    DeliveryMode.PHONE: "phone",
    DeliveryMode.HOME_VISIT: "home visit",
}
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A shared mailbox (info@, referrals@…) is the organisation's, not a person's: the one thing published from
# the free-text contact, which may name a member of staff.
_MAILBOX = re.compile(
    r"\b((?:info|enquiries|enquiry|referrals?|hello|contact|admin|office|bookings?|courses?|training|"
    r"support|team|reception|general)@[a-z0-9-]+(?:\.[a-z0-9-]+)+)\b",
    re.IGNORECASE,
)


def public_id(kind: str, pk: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{pk}"))


def service_id(offer: ProvisionOffer | int) -> str:
    return public_id("service", offer if isinstance(offer, int) else offer.pk)


def category_term_id(category: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"category:{category}"))


CATEGORY_BY_TERM_ID = {category_term_id(value): value for value in Category.values}


def record_url(base_url: str, offer: ProvisionOffer) -> str:
    return f"{base_url.rstrip('/')}/openreferral/services/{service_id(offer)}"


def _website(provider: Provider) -> str:
    site = provider.website.strip()
    if site and not re.match(r"^https?://", site, re.IGNORECASE):
        site = "https://" + site  # "www.example.org" as leads type it; a URI needs its scheme
    return site


def organization(provider: Provider) -> dict[str, Any]:
    org: dict[str, Any] = {"id": public_id("organization", provider.pk), "name": provider.name}
    org["description"] = ""  # required by the profile; we hold none
    if website := _website(provider):
        org["website"] = website
    return org


def schedule(session: Session, *, url: str, attending: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": public_id("schedule", session.pk),
        "url": url,
        "freq": "WEEKLY",
        "byday": BYDAY[session.weekday],
        # Local (Europe/London) times: an offset would be wrong for half the year.
        "opens_at": f"{session.starts_at:%H:%M}",
        "closes_at": f"{session.ends_at:%H:%M}",
        "attending_type": attending,
    }
    if session.valid_from:
        item["valid_from"] = session.valid_from.isoformat()
    if session.valid_to:
        item["valid_to"] = session.valid_to.isoformat()
    return item


def location(offer: ProvisionOffer, *, url: str) -> dict[str, Any] | None:
    """The place sessions happen, if we know it: its name as the lead wrote it, and the postcode."""
    if not (offer.postcode or offer.location):
        return None
    place: dict[str, Any] = {
        "id": public_id("location", offer.pk),
        "location_type": "physical",
        "url": url,
    }
    if offer.location:
        place["name"] = offer.location
    if offer.postcode:
        # One free-text line is all we hold: it is the location's name; the address lines the profile requires
        # are sent empty rather than guessed from it.
        place["addresses"] = [
            {
                "id": public_id("address", offer.pk),
                "address_1": "",
                "city": "",
                "state_province": "",
                "postal_code": offer.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
    return {"id": public_id("service_at_location", offer.pk), "location": place}


def publishable_contacts(offer: ProvisionOffer, *, url: str) -> list[dict[str, Any]]:
    """The offer's contacts that may be published: never a named person unless the lead marked them public (the
    import flags named people and leaves them unpublished; the lead presses "Publish" on the offer page). The
    offer's free-text contact line is never published (only a shared mailbox, as the service's ``email``)."""
    published = []
    for row in offer.contacts.all():
        if row.named_person and not row.public:
            continue
        contact: dict[str, Any] = {"id": public_id("contact", row.pk), "url": url}
        for key in ("name", "title", "email"):
            if value := getattr(row, key):
                contact[key] = value
        if row.phone:
            contact["phones"] = [{"id": public_id("phone", row.pk), "number": row.phone}]
        published.append(contact)
    return published


def shared_mailbox(text: str) -> str:
    found = _MAILBOX.search(text or "")
    return found.group(1) if found else ""


def service(offer: ProvisionOffer, *, base_url: str) -> dict[str, Any]:
    """One offer (provider selected, sessions prefetched) as a fully nested Open Referral UK service."""
    url = _website(offer.provider) or record_url(base_url, offer)
    attending = ATTENDING.get(offer.delivery_mode, "")
    data: dict[str, Any] = {
        "id": service_id(offer),
        "name": offer.name,
        "status": STATUS[offer.status],
        "url": url,
        "organization": organization(offer.provider),
    }
    if offer.description:
        data["description"] = offer.description
    if email := shared_mailbox(offer.contact):
        data["email"] = email
    if attending:
        data["attending_type"] = attending
    if offer.ages_known and offer.min_age is not None:
        data["minimum_age"] = offer.min_age
    if offer.ages_known and offer.max_age is not None:
        data["maximum_age"] = offer.max_age
    if offer.last_reviewed_on:
        data["assured_date"] = offer.last_reviewed_on.isoformat()
    data["last_modified"] = offer.updated_at.isoformat(timespec="milliseconds")
    data["schedules"] = [schedule(s, url=url, attending=attending) for s in offer.sessions.all()]
    place = location(offer, url=url)
    data["service_at_locations"] = [place] if place else []
    # Cost to the claimant, in pounds (free is a cost of 0; not known is no cost option at all).
    data["cost_options"] = (
        []
        if offer.cost is None
        else [
            {
                "id": public_id("cost_option", offer.pk),
                "url": url,
                "amount": float(offer.cost),
                "currency": "GBP",
            }
        ]
    )
    data["contacts"] = publishable_contacts(offer, url=url)
    data["attributes"] = (
        []
        if offer.category == Category.UNKNOWN
        else [
            {
                "id": public_id("attribute", offer.pk),
                "link_type": "service_type",
                "taxonomy_term_id": category_term_id(offer.category),
                "taxonomy_term": {
                    "id": category_term_id(offer.category),
                    "name": offer.get_category_display(),
                    "term": offer.get_category_display(),
                    "description": offer.get_category_display(),
                    "code": offer.category,
                    "taxonomy": TAXONOMY,
                },
            }
        ]
    )
    return data


def services(offers: Iterable[ProvisionOffer], *, base_url: str) -> list[dict[str, Any]]:
    return [service(offer, base_url=base_url) for offer in offers]
