"""Import and export of a district's provision list: CSV in and out, and Open Referral UK / HSDS JSON in.

Every row is validated by a form (``OfferRowForm``) first, and errors are reported with row numbers; if any row
is wrong nothing is written. Valid files are applied in one transaction with set-based ``bulk_create`` /
``bulk_update``. A re-import finds existing entries by ``natural_key`` (the file's id, else provider + name), so
it updates rather than duplicates.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db import connection, transaction
from django.utils import timezone

from iwp.audit import audit_record
from iwp.models import AuditVerb, District, StaffMember
from provision import fields as f
from provision.models import OfferStatus, Provider, ProvisionOffer, Session
from provision.selectors import local_today
from provision.services import OFFER_FIELDS, REVIEW_EVERY_DAYS, SessionInput, natural_key_for

COLUMNS = (
    "external_id",
    "provider",
    "name",
    "description",
    "category",
    "barriers",
    "regimes",
    "min_age",
    "max_age",
    "other_eligibility",
    "delivery_mode",
    "self_paced",
    "sessions",
    "location",
    "postcode",
    "capacity",
    "places_left",
    "cost",
    "referral_route",
    "contact",
    "status",
    "archived_reason",
    "last_reviewed",
    "review_by",
    "limbo_days",
)
REQUIRED_COLUMNS = ("provider", "name", "category")
BACKGROUND_ROWS = 1000  # more rows than this: import in a background job with a progress bar
PROGRESS_EVERY = 500
MAX_ERRORS_KEPT = 500
# What a re-import replaces: the fields a lead edits, plus the provider, the status and the review dates.
UPSERT_FIELDS = [
    "provider",
    *OFFER_FIELDS,
    "status",
    "archived_reason",
    "last_reviewed_on",
    "stale_since",
    "updated_at",
]


class OfferRowForm(forms.Form):
    """One row of a CSV (or one mapped HSDS service), as text; cleaned into the values an offer stores."""

    external_id = forms.CharField(required=False, max_length=120)
    provider = forms.CharField(max_length=160, error_messages={"required": "Enter the provider"})
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the offer's name"})
    description = forms.CharField(required=False)
    category = forms.CharField(required=False)
    barriers = forms.CharField(required=False)
    regimes = forms.CharField(required=False)
    min_age = forms.IntegerField(required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(required=False, min_value=0, max_value=120)
    other_eligibility = forms.CharField(required=False)
    delivery_mode = forms.CharField(required=False)
    self_paced = forms.CharField(required=False)
    sessions = forms.CharField(required=False)
    location = forms.CharField(required=False, max_length=300)
    postcode = forms.CharField(required=False, max_length=10)
    capacity = forms.IntegerField(required=False, min_value=0)
    places_left = forms.IntegerField(required=False, min_value=0)
    cost = forms.DecimalField(required=False, min_value=0, max_digits=8, decimal_places=2)
    referral_route = forms.CharField(required=False)
    contact = forms.CharField(required=False, max_length=300)
    status = forms.CharField(required=False)
    archived_reason = forms.CharField(required=False, max_length=300)
    last_reviewed = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    review_by = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    limbo_days = forms.IntegerField(required=False, min_value=1, max_value=60)

    def clean_category(self) -> str:
        return f.one_code(self.cleaned_data["category"], f.CATEGORY_LOOKUP, "category")

    def clean_barriers(self) -> list[str]:
        return f.code_list(self.cleaned_data["barriers"], f.BARRIER_LOOKUP, "barrier")

    def clean_regimes(self) -> list[str]:
        return f.code_list(self.cleaned_data["regimes"], f.REGIME_LOOKUP, "regime")

    def clean_delivery_mode(self) -> str:
        return f.one_code(self.cleaned_data["delivery_mode"], f.MODE_LOOKUP, "delivery mode", "in_person")

    def clean_self_paced(self) -> bool:
        return f.yes_no(self.cleaned_data["self_paced"])

    def clean_sessions(self) -> list[SessionInput]:
        return f.parse_sessions(self.cleaned_data["sessions"])

    def clean_referral_route(self) -> str:
        return f.one_code(self.cleaned_data["referral_route"], f.ROUTE_LOOKUP, "way to refer", "direct")

    def clean_status(self) -> str:
        return f.one_code(self.cleaned_data["status"], f.STATUS_LOOKUP, "status", OfferStatus.ACTIVE)

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data["postcode"].upper().split())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lo, hi = data.get("min_age"), data.get("max_age")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("max_age", "The maximum age must not be below the minimum age")
        cap, left = data.get("capacity"), data.get("places_left")
        if cap is not None and left is not None and left > cap:
            self.add_error("places_left", "Places left cannot be more than the capacity")
        if data.get("status") == OfferStatus.ARCHIVED and not (data.get("archived_reason") or "").strip():
            self.add_error("archived_reason", "Give the reason an archived offer was archived")
        if data.get("self_paced") and data.get("sessions"):
            self.add_error("sessions", "A self-paced offer has no sessions")
        return data


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "messages": [...]}
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    timings: dict[str, float] = field(
        default_factory=dict
    )  # seconds per phase, for the job page and the bench

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "errors": self.errors,
            "error_count": self.error_count,
            "warnings": self.warnings[:MAX_ERRORS_KEPT],
            "file_error": self.file_error,
            "ok": self.ok,
            "timings": self.timings,
        }


class FileProblem(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns…)."""


# --- Reading files into rows ----------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("The file must be saved as UTF-8 text (CSV UTF-8 in Excel)") from None


def csv_rows(text: str) -> list[tuple[str, dict[str, str]]]:
    """(row label, row) for each data row; the label is the spreadsheet row number (the header is row 1)."""
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not headers:
        raise FileProblem("The file is empty")
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise FileProblem(f"The first row must name the columns; missing: {', '.join(missing)}")
    reader.fieldnames = headers
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            rows.append((f"Row {n}", {"__extra__": "yes"}))
            continue
        rows.append((f"Row {n}", {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}))
    return rows


# --- Open Referral UK / HSDS ----------------------------------------------------------------------------

HSDS_UNMAPPED_ALWAYS = (
    "Regime eligibility is not part of Open Referral UK: imported offers are open to every regime — check them.",
    "Capacity and places left are not part of Open Referral UK: left empty.",
    "The way to refer is not part of Open Referral UK: set to direct referral.",
)
_TAXONOMY_CATEGORIES = (
    ("bootcamp", "skills_bootcamp"),
    ("esol", "esol"),
    ("english", "esol"),
    ("digital", "digital_skills"),
    ("computer", "digital_skills"),
    ("career", "careers_advice"),
    ("childcare", "childcare"),
    ("debt", "money"),
    ("money", "money"),
    ("wellbeing", "confidence"),
    ("confidence", "confidence"),
    ("mental health", "confidence"),
    ("sector-based", "swap"),
    ("training", "skills_training"),
    ("skills", "skills_training"),
    ("course", "skills_training"),
    ("employ", "employer"),
)
_BYDAY = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def _first(items: Any) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _hsds_services(doc: Any) -> tuple[list[dict], dict[str, dict]]:
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


def hsds_to_row(service: dict, orgs: dict[str, dict]) -> tuple[dict[str, str], list[str]]:
    """Map one HSDS / Open Referral UK service to a CSV-style row, and say what could not be mapped."""
    notes: list[str] = []
    org = service.get("organization") or orgs.get(str(service.get("organization_id", ""))) or {}
    row: dict[str, str] = {
        "external_id": f"hsds:{service['id']}" if service.get("id") else "",
        "provider": str(org.get("name") or ""),
        "name": str(service.get("name") or ""),
        "description": str(service.get("description") or ""),
    }
    # Category from the taxonomy terms (or the name) by keywords; otherwise "other".
    terms = [
        str((t.get("taxonomy") or t).get("name") or (t.get("taxonomy") or t).get("term") or "")
        for t in (
            service.get("service_taxonomys")
            or service.get("taxonomy_terms")
            or service.get("attributes")
            or []
        )
        if isinstance(t, dict)
    ]
    haystack = " ".join([*terms, row["name"]]).casefold()
    row["category"] = next((cat for word, cat in _TAXONOMY_CATEGORIES if word in haystack), "other")
    if row["category"] == "other":
        notes.append("category not recognised from its taxonomy: set to Other")
    # Eligibility: ages, and the words.
    elig = (
        _first(service.get("eligibilitys") or service.get("eligibility"))
        if not isinstance(service.get("eligibility"), str)
        else {}
    )
    lo = elig.get("minimum_age", service.get("minimum_age"))
    hi = elig.get("maximum_age", service.get("maximum_age"))
    row["min_age"] = "" if lo in (None, "") else str(int(float(lo)))
    row["max_age"] = "" if hi in (None, "") else str(int(float(hi)))
    words = [
        str(service.get("eligibility_description") or ""),
        str(elig.get("eligibility") or ""),
        service["eligibility"] if isinstance(service.get("eligibility"), str) else "",
    ]
    row["other_eligibility"] = " ".join(w for w in words if w).strip()
    # Location: the first service-at-location's address; further locations are not mapped.
    sals = service.get("service_at_locations") or []
    location = (_first(sals).get("location") if sals else None) or _first(service.get("locations")) or {}
    address = _first(location.get("physical_addresses") or location.get("addresses"))
    row["location"] = ", ".join(
        str(x) for x in (location.get("name"), address.get("address_1"), address.get("city")) if x
    )
    row["postcode"] = str(address.get("postal_code") or "")
    if len(sals) > 1 or len(service.get("locations") or []) > 1:
        notes.append("more than one location: only the first was mapped")
    # Delivery mode.
    attending = str(service.get("attending_type") or service.get("delivery_method") or "").casefold()
    row["delivery_mode"] = (
        "online"
        if "online" in attending or ("virtual" in attending)
        else "blended"
        if "blended" in attending
        else "in_person"
    )
    if not location and not attending:
        row["delivery_mode"] = "online"
        notes.append("no location or attending type: treated as online")
    # Schedules: weekly byday + opens/closes; other frequencies are not mapped.
    schedules = list(service.get("regular_schedules") or service.get("schedules") or [])
    if sals:
        schedules += list(_first(sals).get("regular_schedules") or [])
    sessions = []
    for sch in schedules:
        if not isinstance(sch, dict):
            continue
        freq = str(sch.get("freq") or "WEEKLY").upper()
        opens, closes = str(sch.get("opens_at") or "")[:5], str(sch.get("closes_at") or "")[:5]
        days = [d.strip().upper()[-2:] for d in str(sch.get("byday") or "").split(",") if d.strip()]
        if sch.get("weekday") and not days:
            days = [("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(int(sch["weekday"]) - 1) % 7]]
        if freq != "WEEKLY" or not days or not opens or not closes:
            notes.append("a schedule that is not a weekly day and time was not mapped")
            continue
        sessions += [f"{_BYDAY[d]} {opens}-{closes}" for d in days if d in _BYDAY]
    row["sessions"] = "; ".join(sessions)
    # Cost and contact.
    fees = _first(service.get("cost_options"))
    amount = fees.get("amount")
    row["cost"] = "" if amount in (None, "") else str(amount)
    if not fees and service.get("fees"):
        notes.append(f"fees “{str(service['fees'])[:60]}” are words, not an amount: cost left at £0")
    contact = _first(service.get("contacts"))
    phone = _first(contact.get("phones")).get("number") or _first(service.get("phones")).get("number")
    row["contact"] = "; ".join(
        str(x) for x in (contact.get("name"), phone, service.get("email"), service.get("url")) if x
    )[:300]
    status = str(service.get("status") or "active").casefold()
    row["status"] = "active" if status == "active" else "paused"
    if status not in ("active", "inactive", "defunct", "temporarily closed"):
        notes.append(f"status “{status}” not recognised: paused")
    return row, notes


def hsds_rows(text: str) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise FileProblem(f"The file is not valid JSON (line {e.lineno}: {e.msg})") from None
    services, orgs = _hsds_services(doc)
    rows, warnings = [], list(HSDS_UNMAPPED_ALWAYS)
    for n, service in enumerate(services, start=1):
        if not isinstance(service, dict):
            rows.append((f"Service {n}", {"__extra__": "not an object"}))
            continue
        label = f"Service {n}" + (f" ({service['id']})" if service.get("id") else "")
        try:
            row, notes = hsds_to_row(service, orgs)
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            rows.append((label, {"__extra__": f"could not be read ({e.__class__.__name__})"}))
            continue
        rows.append((label, row))
        warnings += [f"{label}: {note}" for note in notes]
    return rows, warnings


# --- Validate and apply ---------------------------------------------------------------------------------


def validate_rows(
    rows: list[tuple[str, dict[str, str]]],
    result: ImportResult,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Clean every row; record errors with the row's label. Returns the cleaned rows (all of them if valid)."""
    cleaned: list[tuple[str, dict[str, Any]]] = []
    keys: dict[str, str] = {}
    # One form, re-bound to each row: building a Django form deep-copies its 25 fields, which was half the
    # time of a 10,000-row import. full_clean() starts from empty errors and cleaned_data every time.
    form = OfferRowForm(data={})
    for i, (label, row) in enumerate(rows, start=1):
        if "__extra__" in row:
            _error(
                result,
                label,
                [
                    f"This row {row['__extra__'] if row['__extra__'] != 'yes' else 'has more values than the header has columns'}"
                ],
            )
            continue
        form.data, form._errors = row, None
        if not form.is_valid():
            messages = [
                (f"{name.replace('_', ' ').capitalize()}: " if name != "__all__" else "") + str(msg)
                for name, errs in form.errors.items()
                for msg in errs
            ]
            _error(result, label, messages)
        else:
            data = dict(form.cleaned_data)
            key = natural_key_for(
                external_id=data["external_id"], provider_name=data["provider"], name=data["name"]
            )
            if key in keys:
                _error(result, label, [f"The same offer is already in {keys[key]}"])
            else:
                keys[key] = label
                data["natural_key"] = key
                cleaned.append((label, data))
        if progress and i % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress:
        progress(len(rows) % PROGRESS_EVERY)
    return cleaned


def _error(result: ImportResult, label: str, messages: list[str]) -> None:
    result.error_count += 1
    if len(result.errors) < MAX_ERRORS_KEPT:
        result.errors.append({"row": label, "messages": messages})


# The offer columns an import writes, in order (ids of district, provider and owner; then the described fields).
OFFER_COLUMNS = (
    "district_id",
    "provider_id",
    "owner_id",
    "natural_key",
    *(f for f in UPSERT_FIELDS if f != "provider"),
)


def _records(
    *, actor: StaffMember | None, district: District, cleaned: list[tuple[str, dict[str, Any]]]
) -> tuple[list[dict[str, Any]], dict[str, list[SessionInput]]]:
    """Each cleaned row as the column values of its offer (plain values, no model instances), and its sessions."""
    today = local_today()
    names = {" ".join(d["provider"].split()) for _, d in cleaned}
    existing = set(Provider.objects.filter(district=district, name__in=names).values_list("name", flat=True))
    Provider.objects.bulk_create(
        [Provider(district=district, name=n) for n in sorted(names - existing)], batch_size=1000
    )
    providers = dict(Provider.objects.filter(district=district, name__in=names).values_list("name", "pk"))
    now = timezone.now()
    records, sessions = [], {}
    for _, d in cleaned:
        last_reviewed = d["last_reviewed"] or today
        review_by = d["review_by"] or (last_reviewed + timedelta(days=REVIEW_EVERY_DAYS))
        records.append(
            {
                "district_id": district.pk,
                "provider_id": providers[" ".join(d["provider"].split())],
                "owner_id": actor.pk if actor else None,
                "natural_key": d["natural_key"],
                "external_id": d["external_id"],
                "name": d["name"],
                "description": d["description"],
                "category": d["category"],
                "barriers": d["barriers"],
                "regimes": d["regimes"],
                "min_age": d["min_age"],
                "max_age": d["max_age"],
                "other_eligibility": d["other_eligibility"],
                "delivery_mode": d["delivery_mode"],
                "self_paced": d["self_paced"],
                "location": d["location"],
                "postcode": d["postcode"],
                "capacity": d["capacity"],
                "places_left": d["places_left"],
                "cost": d["cost"] if d["cost"] is not None else Decimal("0.00"),
                "referral_route": d["referral_route"],
                "contact": d["contact"],
                "status": d["status"],
                "archived_reason": d["archived_reason"] if d["status"] == OfferStatus.ARCHIVED else "",
                "last_reviewed_on": last_reviewed,
                "review_by": review_by,
                "stale_since": None if review_by >= today else today,
                "limbo_days": d["limbo_days"] or 10,
                "updated_at": now,
            }
        )
        sessions[d["natural_key"]] = d["sessions"]
    return records, sessions


def _write_postgresql(
    district: District, records: list[dict], sessions: dict[str, list[SessionInput]], replaced_ids: list[int]
) -> None:
    """COPY the rows into a temporary table, then one INSERT … ON CONFLICT (district, natural_key) DO UPDATE
    into the list and one COPY of the sessions: no model instances at all, which took most of the time of a
    10,000-row import through the ORM. The owner and created_at of an existing entry are kept."""
    cols = ", ".join(OFFER_COLUMNS)
    updates = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in OFFER_COLUMNS if c not in ("district_id", "owner_id", "natural_key")
    )
    with connection.cursor() as cursor:
        # ON COMMIT DROP clears it at the end; an earlier import in the same (outer) transaction may have left it.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.provision_import")
        cursor.execute(
            f"CREATE TEMPORARY TABLE provision_import ON COMMIT DROP AS SELECT {cols} "  # noqa: S608 - fixed names
            "FROM provision_provisionoffer WITH NO DATA"
        )
        json_cols = {"barriers", "regimes"}
        with cursor.copy(f"COPY provision_import ({cols}) FROM STDIN") as copy:
            for r in records:
                copy.write_row([json.dumps(r[c]) if c in json_cols else r[c] for c in OFFER_COLUMNS])
        # Sessions of entries the file replaces go first (by id, through the foreign-key index: a join with the
        # unanalysed temporary table let the planner pick a nested loop that took minutes on a fresh database).
        if replaced_ids:
            cursor.execute("DELETE FROM provision_session WHERE offer_id = ANY(%s)", [replaced_ids])
        cursor.execute(
            f"INSERT INTO provision_provisionoffer ({cols}, created_at) "  # noqa: S608 - fixed names
            f"SELECT {cols}, now() FROM provision_import "
            f"ON CONFLICT (district_id, natural_key) DO UPDATE SET {updates} "
            "RETURNING id, natural_key"
        )
        ids = {key: pk for pk, key in cursor.fetchall()}
        with cursor.copy("COPY provision_session (offer_id, weekday, starts_at, ends_at) FROM STDIN") as copy:
            for key, items in sessions.items():
                for item in items:
                    copy.write_row((ids[key], item.weekday, item.starts_at, item.ends_at))


def _write_orm(district: District, records: list[dict], sessions: dict[str, list[SessionInput]]) -> None:
    """The same writes through the ORM, for the embedded SQLite demo: bulk upsert, then sessions."""
    offers = [ProvisionOffer(**r) for r in records]
    ProvisionOffer.objects.bulk_create(
        offers,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["district", "natural_key"],
        update_fields=UPSERT_FIELDS,
    )
    ids = dict(
        ProvisionOffer.objects.filter(district=district, natural_key__in=list(sessions)).values_list(
            "natural_key", "pk"
        )
    )
    Session.objects.filter(offer_id__in=list(ids.values())).delete()
    Session.objects.bulk_create(
        [
            Session(offer_id=ids[key], weekday=s.weekday, starts_at=s.starts_at, ends_at=s.ends_at)
            for key, items in sessions.items()
            for s in items
        ],
        batch_size=2000,
    )


def apply_rows(
    *,
    actor: StaffMember | None,
    district: District,
    cleaned: list[tuple[str, dict[str, Any]]],
    result: ImportResult,
) -> None:
    """Write every cleaned row in one transaction: providers, then offers (upserted), then their sessions."""
    with transaction.atomic():
        keys = {d["natural_key"] for _, d in cleaned}
        already = dict(
            ProvisionOffer.objects.filter(district=district, natural_key__in=keys).values_list(
                "natural_key", "pk"
            )
        )
        records, sessions = _records(actor=actor, district=district, cleaned=cleaned)
        if connection.vendor == "postgresql":
            _write_postgresql(district, records, sessions, list(already.values()))
        else:
            _write_orm(district, records, sessions)
        result.created, result.updated = len(records) - len(already), len(already)
        audit_record(
            actor=actor,
            verb=AuditVerb.IMPORTED,
            target=district,
            payload={"rows": result.rows, "created": result.created, "updated": result.updated},
        )


def import_offers(
    *,
    actor: StaffMember | None,
    district: District,
    content: bytes | str,
    kind: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a CSV (``kind="csv"``) or HSDS JSON (``kind="hsds"``) into the district's list: all or nothing."""
    result = ImportResult()
    try:
        text = decode(content) if isinstance(content, bytes) else content
        if kind == "hsds":
            rows, result.warnings = hsds_rows(text)
        else:
            rows = csv_rows(text)
    except (FileProblem, csv.Error) as e:
        result.file_error = str(e) if isinstance(e, FileProblem) else f"The file is not a readable CSV: {e}"
        return result
    result.rows = len(rows)
    if not rows:
        result.file_error = "The file has no rows to import"
        return result
    started = time.perf_counter()
    cleaned = validate_rows(rows, result, progress)
    result.timings["validate"] = time.perf_counter() - started
    if result.error_count:
        return result  # nothing half-imported
    started = time.perf_counter()
    apply_rows(actor=actor, district=district, cleaned=cleaned, result=result)
    result.timings["write"] = time.perf_counter() - started
    return result


def count_rows(content: bytes, kind: str) -> int:
    """A cheap estimate of the rows in a file, to decide whether to import in the background."""
    if kind == "hsds":
        try:
            services, _ = _hsds_services(json.loads(content))
        except (ValueError, FileProblem):
            return 0
        return len(services)
    return max(content.count(b"\n") - 1, 0)


# --- Export ---------------------------------------------------------------------------------------------


def export_rows(offers: Iterable[ProvisionOffer]) -> Iterable[list[str]]:
    """The CSV a lead can edit and import again (same columns; sessions must be prefetched)."""
    yield list(COLUMNS)
    for o in offers:
        yield [
            o.external_id,
            o.provider.name,
            o.name,
            o.description,
            o.category,
            ";".join(o.barriers or ()),
            ";".join(o.regimes or ()),
            "" if o.min_age is None else str(o.min_age),
            "" if o.max_age is None else str(o.max_age),
            o.other_eligibility,
            o.delivery_mode,
            "yes" if o.self_paced else "no",
            f.sessions_text(o.sessions.all()),
            o.location,
            o.postcode,
            "" if o.capacity is None else str(o.capacity),
            "" if o.places_left is None else str(o.places_left),
            f"{o.cost:.2f}",
            o.referral_route,
            o.contact,
            o.status,
            o.archived_reason,
            o.last_reviewed_on.isoformat() if o.last_reviewed_on else "",
            o.review_by.isoformat(),
            str(o.limbo_days),
        ]


def export_csv(offers: Iterable[ProvisionOffer]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(offers):
        writer.writerow([_safe_cell(c) for c in row])
    return out.getvalue()


def _safe_cell(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
