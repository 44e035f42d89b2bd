"""Pure rules for reading council service directories (Open Referral UK): stdlib only, table-tested.

- ``delivery_from_attending``: ``attending_type``/``attending_access`` words to our delivery mode (and referral
  route), with the words we could not place reported, never guessed.
- ``category_from_taxonomy``: Open Referral UK / LGA (esd.org.uk) service-type and needs terms to our category
  through a small table; no keyword guessing ("Reiki Training" is not skills training).
- ``looks_like_named_person``: a contact that is a named person's own mailbox or name, so the published feed
  leaves it out unless the lead marks it public.
- ``provider_name_from``: the provider for a service without an organisation, from the feed's own fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

UNKNOWN_PROVIDER = "Unknown provider"

# --- Attending type / access ------------------------------------------------------------------------------

# Words a feed uses for how a service is attended, to our delivery modes (matched as whole, case-folded values).
ATTENDING_MODES: dict[str, str] = {
    "venue": "in_person",
    "in person": "in_person",
    "in-person": "in_person",
    "face to face": "in_person",
    "face-to-face": "in_person",
    "drop-in venue": "in_person",
    "phone": "phone",
    "telephone": "phone",
    "by phone": "phone",
    "online": "online",
    "virtual": "online",
    "video": "online",
    "web": "online",
    "remote": "online",
    "home visit": "home_visit",
    "home visits": "home_visit",
    "home": "home_visit",
    "outreach": "home_visit",
    "blended": "blended",
    "hybrid": "blended",
}
# attending_access in the Open Referral UK profile says how someone gets in, which is our referral route.
ACCESS_ROUTES: dict[str, str] = {
    "referral": "direct",
    "by referral": "direct",
    "professional referral": "direct",
    "self referral": "self",
    "self-referral": "self",
    "drop-in": "self",
    "drop in": "self",
    "appointment": "self",
    "booking": "self",
}
_REMOTE = ("online", "phone", "home_visit")


class Attending(NamedTuple):
    delivery_mode: str  # "unknown" when the feed says nothing we can place
    referral_route: str  # "unknown" likewise
    unmapped: tuple[str, ...]  # the feed's words we could not place, for the import report


def _words(value: object) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[,;/|]| and ", str(value))
    return [" ".join(str(i).split()).casefold() for i in items if str(i).strip()]


def delivery_from_attending(attending_type: object, attending_access: object = None) -> Attending:
    """Both fields may hold a list, or words separated by commas; either may carry mode or access words (feeds
    mix them). Several modes: in person with any remote one is blended; several remote ones, the first."""
    modes: list[str] = []
    routes: list[str] = []
    unmapped: list[str] = []
    for word in [*_words(attending_type), *_words(attending_access)]:
        if word in ATTENDING_MODES:
            modes.append(ATTENDING_MODES[word])
        elif word in ACCESS_ROUTES:
            routes.append(ACCESS_ROUTES[word])
        else:
            unmapped.append(word)
    distinct = list(dict.fromkeys(modes))
    if not distinct:
        mode = "unknown"
    elif len(distinct) == 1:
        mode = distinct[0]
    elif "blended" in distinct or ("in_person" in distinct and any(m in _REMOTE for m in distinct)):
        mode = "blended"
    else:
        mode = distinct[0]
    route = routes[0] if routes else "unknown"
    return Attending(mode, route, tuple(unmapped))


# --- Taxonomy --------------------------------------------------------------------------------------------

# The vocabularies whose terms we read: the LGA's (esd.org.uk) Service List and Needs list, as Open Referral UK
# feeds name them. A term from any other vocabulary is reported as not mapped.
LGA_VOCABULARIES = frozenset(
    {
        "esdservicetypes",
        "esd service types",
        "lga service list",
        "esdneeds",
        "esd needs",
        "lga needs",
        "esdcircumstances",
        "open referral uk",
    }
)
# Term names (case-folded, exact) to our categories. Small on purpose: extend it from the esd.org.uk lists as
# feeds show terms a Jobcentre lead would file somewhere. A term not here leaves the category unknown.
TAXONOMY_CATEGORIES: dict[str, str] = {
    # Learning and skills
    "adult education": "skills_training",
    "adult learning": "skills_training",
    "adult and community learning": "skills_training",
    "further education": "skills_training",
    "vocational training": "skills_training",
    "skills and training": "skills_training",
    "learning": "skills_training",
    "apprenticeships": "employer",
    "skills bootcamps": "skills_bootcamp",
    # Language
    "english for speakers of other languages": "esol",
    "esol": "esol",
    "english as a second language": "esol",
    "english language": "esol",
    # Digital
    "digital inclusion": "digital_skills",
    "digital skills": "digital_skills",
    "computer courses": "digital_skills",
    "internet access": "digital_skills",
    # Work
    "careers advice": "careers_advice",
    "careers information, advice and guidance": "careers_advice",
    "employment support": "careers_advice",
    "employment": "careers_advice",
    "finding work": "careers_advice",
    "job search": "careers_advice",
    "work experience": "employer",
    # Money
    "debt advice": "money",
    "money advice": "money",
    "debt": "money",
    "money": "money",
    "welfare benefits advice": "money",
    "financial inclusion": "money",
    # Childcare
    "childcare": "childcare",
    "childcare information": "childcare",
    "early years childcare": "childcare",
    # Wellbeing
    "mental health": "confidence",
    "mental wellbeing": "confidence",
    "mental health support": "confidence",
    "emotional wellbeing": "confidence",
    "confidence building": "confidence",
}


class Term(NamedTuple):
    vocabulary: str
    id: str
    name: str


class TaxonomyMatch(NamedTuple):
    category: str | None  # None: nothing mapped, the lead sets it
    matched: Term | None
    unmapped: tuple[Term, ...]


def category_from_taxonomy(terms: Iterable[Term]) -> TaxonomyMatch:
    """The first term (in the feed's order) from an LGA vocabulary that the table maps. Terms without a
    vocabulary are read too (older feeds leave it out), but only by the exact name in the table."""
    unmapped: list[Term] = []
    found: tuple[str, Term] | None = None
    for term in terms:
        vocabulary = " ".join(term.vocabulary.split()).casefold()
        name = " ".join(term.name.split()).casefold()
        category = (
            TAXONOMY_CATEGORIES.get(name) if (not vocabulary or vocabulary in LGA_VOCABULARIES) else None
        )
        if category and found is None:
            found = (category, term)
        elif not category:
            unmapped.append(term)
    return TaxonomyMatch(found[0] if found else None, found[1] if found else None, tuple(unmapped))


# --- Named people ----------------------------------------------------------------------------------------

# Words that make a name or mailbox a team, role or organisation rather than a person.
ROLE_WORDS = frozenset(
    [
        "admin",
        "administrator",
        "advice",
        "advisor",
        "adviser",
        "all",
        "booking",
        "bookings",
        "care",
        "careers",
        "centre",
        "center",
        "college",
        "community",
        "contact",
        "contacts",
        "council",
        "coordinator",
        "co-ordinator",
        "customer",
        "desk",
        "duty",
        "employment",
        "enquiries",
        "enquiry",
        "family",
        "general",
        "group",
        "health",
        "hello",
        "help",
        "helpdesk",
        "hub",
        "info",
        "information",
        "jobs",
        "learning",
        "library",
        "manager",
        "mind",
        "network",
        "noreply",
        "no-reply",
        "office",
        "officer",
        "online",
        "post",
        "project",
        "reception",
        "referral",
        "referrals",
        "sales",
        "school",
        "service",
        "services",
        "skills",
        "support",
        "team",
        "the",
        "trust",
        "training",
        "trust",
        "volunteer",
        "volunteers",
        "web",
        "webmaster",
        "welcome",
        "wellbeing",
        "worker",
        "workers",
        "youth",
    ]
)
_LOCAL_PERSON = re.compile(r"^([a-z]+)[._-]([a-z]{2,}[a-z'-]*)\d*$")
_NAME_WORD = re.compile(r"^(?:[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*|[A-Z]\.?)$")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof"})


def looks_like_named_person(name: str = "", email: str = "") -> bool:
    """True when the contact is (probably) one person: a mailbox like firstname.lastname@ or j.smith@, or a
    name of two to four capitalised words none of which is a role or organisation word. Errs towards a
    person: a false alarm only keeps a contact out of the published feed until the lead says otherwise."""
    local = (email or "").split("@", 1)[0].casefold()
    match = _LOCAL_PERSON.match(local)
    if match and not ({match.group(1), match.group(2)} & ROLE_WORDS):
        return True
    words = (name or "").replace(",", " ").split()
    if words and words[0].casefold().rstrip(".") in _TITLES:
        return len(words) >= 2
    if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return not any(w.casefold().strip(".") in ROLE_WORDS for w in words)
    return False


# --- Provider for a service without an organisation ----------------------------------------------------


def provider_name_from(service: dict, organisation: dict | None) -> tuple[str, str]:
    """(provider name, where it came from). The organisation's name; else the service's own
    ``organization_name``/``provider_name``; else the host of the service's website; else "Unknown provider"."""
    org_name = str((organisation or {}).get("name") or "").strip()
    if org_name:
        return org_name, "organisation"
    for key in ("organization_name", "organisation_name", "provider_name", "provider"):
        value = service.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip(), key
    url = str(service.get("url") or "").strip()
    if url:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
        host = host.removeprefix("www.")
        if host:
            return host, "url"
    return UNKNOWN_PROVIDER, "none"
