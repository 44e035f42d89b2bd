"""Reading an Open Referral UK (HSDS) feed into rows the importer validates, saying what could not be mapped.

Nothing missing becomes a confident default (issue 12): no location, schedule, ages, cost or attending type
means *not known*, and the row says so. Descriptions are cleaned from HTML. Contacts are kept apart from the
offer, a named person's flagged; the feed's ``metadata`` (which names staff by email) is never stored.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from provision import feed_rules
from provision.html_text import clean_line, clean_text

# What the importer reads of a service, an organisation and a location; any other field a service carries (not
# empty) is counted under "not mapped" in the report, so nothing is dropped silently.
SERVICE_KEYS_READ = frozenset(
    {
        "id",
        "name",
        "description",
        "status",
        "email",
        "url",
        "organization",
        "organisation",
        "organization_id",
        "organization_name",
        "organisation_name",
        "provider_name",
        "service_taxonomys",
        "taxonomy_terms",
        "eligibilitys",
        "eligibility",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "service_at_locations",
        "locations",
        "regular_schedules",
        "schedules",
        "cost_options",
        "contacts",
        "phones",
        "attending_type",
        "attending_access",
        "delivery_method",
        "assured_date",
        "last_modified",
        "metadata",
    }
)
ORGANISATION_KEYS_READ = frozenset({"id", "name", "url", "website"})
LOCATION_KEYS_READ = frozenset(
    {"id", "name", "physical_addresses", "addresses", "postcode", "regular_schedules"}
)
ADDRESS_KEYS_READ = frozenset({"address_1", "city", "postal_code", "postcode", "id"})

ALWAYS_UNKNOWN = (
    "Regime eligibility is not part of Open Referral UK: every imported offer's regimes are “not known” until "
    "you set them.",
    "Capacity and places left are not part of Open Referral UK: left empty.",
)
MOST = 0.5  # more than half the services without locations (or schedules) gets a warning for the file
_BYDAY = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


class FileProblem(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns…)."""


@dataclass
class FeedRow:
    """One service as a row for ``OfferRowForm`` (text values), plus what the form does not hold."""

    number: int
    ext_id: str
    name: str
    data: dict[str, str]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    provider_website: str = ""
    # (group, message) lines for the report, about this service.
    notes: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""  # the service could not be read at all
    prefix: str = "Service"  # "Row" for a CSV row (numbered as the spreadsheet numbers it)

    @property
    def label(self) -> str:
        if self.prefix != "Service":
            return f"{self.prefix} {self.number}"
        return f"Service {self.number}" + (f" ({self.ext_id})" if self.ext_id else "")


@dataclass
class FeedRows:
    rows: list[FeedRow]
    warnings: list[str]
    not_mapped: Counter


def _first(items: Any) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def feed_services(doc: Any) -> tuple[list[Any], dict[str, dict]]:
    """The services in a document, and organisations by id. Accepts a list of services, an object with
    ``services`` (and optional ``organizations``), an Open Referral UK page (``content``) or one service."""
    orgs: dict[str, dict] = {}
    if isinstance(doc, dict):
        for org in doc.get("organizations") or doc.get("organisations") or []:
            if isinstance(org, dict) and org.get("id"):
                orgs[str(org["id"])] = org
        if isinstance(doc.get("services"), list):
            return doc["services"], orgs
        if isinstance(doc.get("content"), list):
            return doc["content"], orgs
        if "name" in doc:
            return [doc], orgs
    if isinstance(doc, list):
        return doc, orgs
    raise FileProblem("The JSON has no services: expected a list of services or an object with “services”")


def _date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")).date()):
        try:
            return parse(text[:10]) if parse is date.fromisoformat else parse(text)
        except ValueError:
            continue
    return None


def _terms(service: dict) -> list[feed_rules.Term]:
    out = []
    for item in service.get("service_taxonomys") or service.get("taxonomy_terms") or []:
        if not isinstance(item, dict):
            continue
        t = item.get("taxonomy") if isinstance(item.get("taxonomy"), dict) else item
        out.append(
            feed_rules.Term(
                str(t.get("vocabulary") or ""),
                str(t.get("id") or ""),
                str(t.get("name") or t.get("term") or ""),
            )
        )
    return out


def _count_unread(service: dict, org: dict, location: dict, address: dict, not_mapped: Counter) -> None:
    for key, value in service.items():
        if key not in SERVICE_KEYS_READ and _present(value):
            not_mapped[key] += 1
    for key, value in org.items():
        if key not in ORGANISATION_KEYS_READ and _present(value):
            not_mapped[f"organization.{key}"] += 1
    for key, value in location.items():
        if key not in LOCATION_KEYS_READ and _present(value):
            not_mapped[f"location.{key}"] += 1
    for key, value in address.items():
        if key not in ADDRESS_KEYS_READ and _present(value):
            not_mapped[f"address.{key}"] += 1


def service_to_row(number: int, service: dict, orgs: dict[str, dict], not_mapped: Counter) -> FeedRow:
    """Map one Open Referral UK service to a row, and say what could not be mapped."""
    ext_id = str(service.get("id") or "").strip()
    name = clean_line(str(service.get("name") or ""))
    row = FeedRow(number=number, ext_id=ext_id, name=name, data={})
    notes = row.notes
    org_value = service.get("organization") or service.get("organisation")
    org = (
        org_value if isinstance(org_value, dict) else orgs.get(str(service.get("organization_id", ""))) or {}
    )
    provider, came_from = feed_rules.provider_name_from(service, org)
    if came_from == "none":
        notes.append(("Provider not in the feed", "No organisation: provider set to “Unknown provider”"))
    elif came_from != "organisation":
        notes.append(
            ("Provider named from the feed", f"No organisation: provider named “{provider}” from {came_from}")
        )
    row.provider_website = str(org.get("url") or org.get("website") or "")[:300]
    d = row.data
    d["external_id"] = f"hsds:{ext_id}" if ext_id else ""
    d["provider"] = clean_line(provider)[:160]
    d["name"] = name
    d["description"] = clean_text(str(service.get("description") or ""))
    # Category from the LGA taxonomy terms; otherwise not known (for the lead to set).
    match = feed_rules.category_from_taxonomy(_terms(service))
    d["category"] = match.category or "unknown"
    for term in match.unmapped:
        not_mapped[f"taxonomy term “{term.name}”" + (f" ({term.vocabulary})" if term.vocabulary else "")] += 1
    if match.category is None:
        notes.append(("Category not known", "No taxonomy term we map: category left for you to set"))
    # Eligibility: ages (absent means not known), and the words.
    elig_value = service.get("eligibilitys") or service.get("eligibility")
    elig = _first(elig_value) if isinstance(elig_value, list) else {}
    lo = elig.get("minimum_age", service.get("minimum_age"))
    hi = elig.get("maximum_age", service.get("maximum_age"))
    if lo in (None, "") and hi in (None, ""):
        d["min_age"] = d["max_age"] = "unknown"
    else:
        d["min_age"] = "any" if lo in (None, "") else str(int(float(lo)))
        d["max_age"] = "any" if hi in (None, "") else str(int(float(hi)))
    words = [
        str(service.get("eligibility_description") or ""),
        str(elig.get("eligibility") or ""),
        elig_value if isinstance(elig_value, str) else "",
    ]
    d["other_eligibility"] = clean_line(" ".join(w for w in words if w))[:1000]
    d["regimes"] = "unknown"
    # Location: the first service-at-location's address; further locations are counted as not mapped.
    sals = service.get("service_at_locations") or []
    location = (_first(sals).get("location") if sals else None) or _first(service.get("locations")) or {}
    address = _first(location.get("physical_addresses") or location.get("addresses"))
    d["location"] = clean_line(
        ", ".join(str(x) for x in (location.get("name"), address.get("address_1"), address.get("city")) if x)
    )[:300]
    d["postcode"] = str(
        address.get("postal_code") or address.get("postcode") or location.get("postcode") or ""
    )[:10]
    extra_locations = max(len(sals), len(service.get("locations") or [])) - 1
    if extra_locations > 0:
        not_mapped["locations after the first"] += extra_locations
    # How it is attended.
    attending = feed_rules.delivery_from_attending(
        service.get("attending_type") or service.get("delivery_method"), service.get("attending_access")
    )
    d["delivery_mode"] = attending.delivery_mode
    d["referral_route"] = attending.referral_route
    for word in attending.unmapped:
        not_mapped[f"attending value “{word}”"] += 1
        notes.append(("Attending type not mapped", f"“{word}” is not a way of attending we know"))
    # Weekly schedules; other frequencies are counted as not mapped. None at all: times not known.
    schedules = list(service.get("regular_schedules") or service.get("schedules") or [])
    if sals:
        schedules += list(_first(sals).get("regular_schedules") or [])
    sessions = []
    for sch in schedules:
        if not isinstance(sch, dict):
            continue
        freq = str(sch.get("freq") or "WEEKLY").upper()
        opens, closes = str(sch.get("opens_at") or "")[:5], str(sch.get("closes_at") or "")[:5]
        days = [x.strip().upper()[-2:] for x in str(sch.get("byday") or "").split(",") if x.strip()]
        if sch.get("weekday") and not days:
            days = [("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(int(sch["weekday"]) - 1) % 7]]
        if freq != "WEEKLY" or not days or not opens or not closes:
            not_mapped["schedule that is not a weekly day and time"] += 1
            continue
        sessions += [f"{_BYDAY[x]} {opens}-{closes}" for x in days if x in _BYDAY]
    d["sessions"] = "; ".join(sessions) if sessions else "unknown"
    # Cost: an amount, or the feed's own word "free"; otherwise not known.
    fees = _first(service.get("cost_options"))
    amount = fees.get("amount")
    if amount not in (None, ""):
        d["cost"] = str(amount)
    elif "free" in str(fees.get("option") or "").casefold().split():
        d["cost"] = "0"
    else:
        d["cost"] = ""
        if service.get("fees"):
            notes.append(
                ("Cost not known", f"Fees in words, not an amount: “{clean_line(str(service['fees']))[:80]}”")
            )
    # Contacts: kept apart from the offer; a named person's flagged and kept out of the offer's contact line.
    contact_line = []
    for c in service.get("contacts") or []:
        if not isinstance(c, dict):
            continue
        phone = str(_first(c.get("phones")).get("number") or "")
        entry = {
            "name": clean_line(str(c.get("name") or ""))[:200],
            "title": clean_line(str(c.get("title") or ""))[:200],
            "email": str(c.get("email") or "")[:254],
            "phone": phone[:60],
        }
        entry["named_person"] = feed_rules.looks_like_named_person(entry["name"], entry["email"])
        row.contacts.append(entry)
        if entry["named_person"]:
            notes.append(
                ("Named person's contact (not published)", f"Contact “{entry['name'] or entry['email']}”")
            )
        else:
            contact_line += [x for x in (entry["name"], phone, entry["email"]) if x]
    service_email = str(service.get("email") or "")
    if service_email and feed_rules.looks_like_named_person("", service_email):
        row.contacts.append(
            {"name": "", "title": "", "email": service_email[:254], "phone": "", "named_person": True}
        )
        notes.append(("Named person's contact (not published)", f"Service email {service_email}"))
        service_email = ""
    service_phone = str(_first(service.get("phones")).get("number") or "")
    contact_line += [x for x in (service_phone, service_email, str(service.get("url") or "")) if x]
    d["contact"] = "; ".join(dict.fromkeys(contact_line))[:300]
    # Status and freshness.
    status = str(service.get("status") or "active").casefold()
    d["status"] = "active" if status == "active" else "paused"
    if status not in ("active", "inactive", "defunct", "temporarily closed"):
        notes.append(("Status not recognised", f"Status “{status}”: paused"))
    checked = _date(service.get("assured_date")) or _date(service.get("last_modified"))
    d["source_checked"] = checked.isoformat() if checked else ""
    metadata = service.get("metadata")
    if _present(metadata):
        found = _EMAIL.search(json.dumps(metadata))
        not_mapped["metadata (kept out" + (": names staff by email)" if found else ")")] += 1
    _count_unread(service, org, location, address, not_mapped)
    return row


def feed_rows(text: str) -> FeedRows:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise FileProblem(f"The file is not valid JSON (line {e.lineno}: {e.msg})") from None
    services, orgs = feed_services(doc)
    rows: list[FeedRow] = []
    not_mapped: Counter = Counter()
    no_location = no_schedule = 0
    for n, service in enumerate(services, start=1):
        if not isinstance(service, dict):
            rows.append(FeedRow(number=n, ext_id="", name="", data={}, problem="is not an object"))
            continue
        try:
            row = service_to_row(n, service, orgs, not_mapped)
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            rows.append(
                FeedRow(
                    number=n,
                    ext_id=str(service.get("id") or ""),
                    name=clean_line(str(service.get("name") or "")),
                    data={},
                    problem=f"could not be read ({e.__class__.__name__})",
                )
            )
            continue
        no_location += not row.data["postcode"] and row.data["delivery_mode"] not in feed_rules._REMOTE
        no_schedule += row.data["sessions"] == "unknown"
        rows.append(row)
    warnings = list(ALWAYS_UNKNOWN)
    total = len(services)
    if total and no_location / total > MOST:
        warnings.append(
            f"{no_location} of {total} services have no location (postcode) and are not online or by phone: "
            "their location is “not known”, and Find provision lists them under “might fit — check”."
        )
    if total and no_schedule / total > MOST:
        warnings.append(
            f"{no_schedule} of {total} services have no weekly schedule: their times are “not known”."
        )
    return FeedRows(rows, warnings, not_mapped)
