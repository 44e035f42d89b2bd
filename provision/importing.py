"""Import and export of a district's provision list: CSV in and out, and Open Referral UK (HSDS) JSON in.

Every row is validated by a form (``OfferRowForm``) first. **Strict** (the default for CSV, a lead's own file):
if any row is wrong nothing is written. **Lenient** (the default for Open Referral UK feeds, which a lead cannot
fix): the good rows are imported and the rejected ones listed by number, id and name with the reasons. Rows are
applied in one transaction with set-based writes (COPY and one upsert on PostgreSQL).

A re-import finds existing entries by ``natural_key`` (the file's id, else provider + name) and keeps the lead's
work (issue 12): it updates only the source's fields the lead has not changed (``lead_overrides``), records what
the source changed against its previous values (``source_values``), never revives a paused or archived offer,
and marks entries that have left an Open Referral UK feed as "no longer in the source feed" (never deletes).
Nothing missing becomes a confident default: an empty cost, delivery mode, way to refer, regimes, ages or
sessions is *not known*. ``import_file`` is the one service the page, the background job and the
``import_provision`` command call; it keeps the whole report as an ``ImportRun``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db import connection, transaction
from django.utils import timezone

from iwp.audit import audit_event, audit_record
from iwp.csv_export import csv_text
from iwp.models import AuditVerb, District, StaffMember
from provision import fields as f
from provision.feed_reading import FeedRow, FileProblem, feed_rows, feed_services
from provision.models import (
    OFFER_DESCRIPTION_FIELDS,
    ImportRun,
    OfferStatus,
    Provider,
    ProvisionContact,
    ProvisionOffer,
    Session,
)
from provision.selectors import REVIEW_EVERY_DAYS, local_today
from provision.services import SessionInput, natural_key_for

__all__ = ["FileProblem"]

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
    "source_checked",
)
REQUIRED_COLUMNS = ("provider", "name", "category")
BACKGROUND_ROWS = 1000  # more rows than this: import in a background job with a progress bar
PROGRESS_EVERY = 500
KINDS = ("csv", "oruk")
KIND_ALIASES = {"hsds": "oruk", "json": "oruk", "oruk": "oruk", "csv": "csv"}

# The offer's fields a source can give, by the file's column that carries them. A CSV gives the columns in its
# header (a file without "capacity" leaves capacity alone); an Open Referral UK feed gives ORUK_COLUMNS.
COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "provider": ("provider",),
    "name": ("name",),
    "description": ("description",),
    "category": ("category",),
    "barriers": ("barriers",),
    "regimes": ("regimes",),
    "min_age": ("min_age", "max_age", "ages_known"),
    "max_age": ("min_age", "max_age", "ages_known"),
    "other_eligibility": ("other_eligibility",),
    "delivery_mode": ("delivery_mode",),
    "self_paced": ("self_paced",),
    "sessions": ("sessions", "sessions_known"),
    "location": ("location",),
    "postcode": ("postcode",),
    "capacity": ("capacity",),
    "places_left": ("places_left",),
    "cost": ("cost",),
    "referral_route": ("referral_route",),
    "contact": ("contact",),
    "limbo_days": ("limbo_days",),
}
ORUK_COLUMNS = (
    "provider",
    "name",
    "description",
    "category",
    "regimes",
    "min_age",
    "other_eligibility",
    "delivery_mode",
    "sessions",
    "location",
    "postcode",
    "cost",
    "referral_route",
    "contact",
)
FIELD_LABELS = {
    "provider": "Provider",
    "name": "Name",
    "description": "Description",
    "category": "Category",
    "barriers": "Barriers",
    "regimes": "Regimes",
    "min_age": "Minimum age",
    "max_age": "Maximum age",
    "ages_known": "Ages known",
    "other_eligibility": "Other eligibility",
    "delivery_mode": "How it is delivered",
    "self_paced": "Self-paced",
    "sessions": "Sessions",
    "sessions_known": "Times known",
    "location": "Location",
    "postcode": "Postcode",
    "capacity": "Capacity",
    "places_left": "Places left",
    "cost": "Cost",
    "referral_route": "How to refer",
    "contact": "Contact",
    "limbo_days": "Chase after",
    "status": "Status in the source",
}


def fields_for(columns: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for column in columns:
        for name in COLUMN_FIELDS.get(column, ()):
            out[name] = None
    return tuple(out)


ORUK_FIELDS = fields_for(ORUK_COLUMNS)


def _age_cell(text: str, label: str) -> int | str | None:
    """An age cell: a whole number, "any" (no limit on that side), "unknown", or empty."""
    t = (text or "").strip().casefold()
    if t in ("", "unknown", "not known"):
        return t or ""
    if t in ("any", "none", "no limit"):
        return None
    try:
        value = int(t)
    except ValueError:
        raise forms.ValidationError(f"{label}: write a whole number, “any” or “unknown”") from None
    if not 0 <= value <= 120:
        raise forms.ValidationError(f"{label}: ages run from 0 to 120")
    return value


class OfferRowForm(forms.Form):
    """One row of a CSV (or one mapped Open Referral UK service), as text; cleaned into an offer's values.

    An empty cell is "not known" wherever the offer can hold not known: cost, delivery mode, way to refer,
    regimes ("all" is every regime), sessions ("none" is no fixed times) and ages (both empty or "unknown";
    "any" is no limit on that side)."""

    external_id = forms.CharField(required=False, max_length=120)
    provider = forms.CharField(max_length=160, error_messages={"required": "Enter the provider"})
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the offer's name"})
    description = forms.CharField(required=False, strip=False)
    category = forms.CharField(required=False)
    barriers = forms.CharField(required=False)
    regimes = forms.CharField(required=False)
    min_age = forms.CharField(required=False)
    max_age = forms.CharField(required=False)
    other_eligibility = forms.CharField(required=False)
    delivery_mode = forms.CharField(required=False)
    self_paced = forms.CharField(required=False)
    sessions = forms.CharField(required=False)
    location = forms.CharField(required=False, max_length=300)
    postcode = forms.CharField(required=False, max_length=10)
    capacity = forms.IntegerField(required=False, min_value=0)
    places_left = forms.IntegerField(required=False, min_value=0)
    cost = forms.CharField(required=False)
    referral_route = forms.CharField(required=False)
    contact = forms.CharField(required=False, max_length=300)
    status = forms.CharField(required=False)
    archived_reason = forms.CharField(required=False, max_length=300)
    last_reviewed = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    review_by = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    limbo_days = forms.IntegerField(required=False, min_value=1, max_value=60)
    source_checked = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def clean_category(self) -> str:
        return f.one_code(self.cleaned_data["category"], f.CATEGORY_LOOKUP, "category")

    def clean_barriers(self) -> list[str]:
        return f.code_list(self.cleaned_data["barriers"], f.BARRIER_LOOKUP, "barrier")

    def clean_regimes(self) -> list[str] | None:
        text = (self.cleaned_data["regimes"] or "").strip().casefold()
        if text in ("", "unknown", "not known"):
            return None
        if text in ("all", "every", "any", "every regime", "all regimes"):
            return []
        return f.code_list(self.cleaned_data["regimes"], f.REGIME_LOOKUP, "regime")

    def clean_delivery_mode(self) -> str:
        return f.one_code(self.cleaned_data["delivery_mode"], f.MODE_LOOKUP, "delivery mode", "unknown")

    def clean_self_paced(self) -> bool:
        return f.yes_no(self.cleaned_data["self_paced"])

    def clean_sessions(self) -> tuple[list[SessionInput], bool]:
        text = (self.cleaned_data["sessions"] or "").strip()
        if text.casefold() in ("", "unknown", "not known"):
            return [], False
        if text.casefold() in ("none", "no fixed times"):
            return [], True
        return f.parse_sessions(text), True

    def clean_cost(self) -> Decimal | None:
        text = (self.cleaned_data["cost"] or "").strip().lstrip("£")
        if text.casefold() in ("", "unknown", "not known"):
            return None
        if text.casefold() == "free":
            return Decimal("0.00")
        try:
            value = Decimal(text)
        except ArithmeticError:
            raise forms.ValidationError("Write the cost in pounds, “free” or “unknown”") from None
        if not value.is_finite() or value < 0 or value >= Decimal("1000000"):
            raise forms.ValidationError("Write the cost in pounds, “free” or “unknown”")
        return value.quantize(Decimal("0.01"))

    def clean_referral_route(self) -> str:
        return f.one_code(self.cleaned_data["referral_route"], f.ROUTE_LOOKUP, "way to refer", "unknown")

    def clean_status(self) -> str:
        return f.one_code(self.cleaned_data["status"], f.STATUS_LOOKUP, "status", OfferStatus.ACTIVE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lo = hi = None
        try:
            lo = _age_cell(self.data.get("min_age", ""), "Minimum age")
            hi = _age_cell(self.data.get("max_age", ""), "Maximum age")
        except forms.ValidationError as e:
            self.add_error(None, e)
        data["ages_known"] = not ((lo == "" and hi == "") or "unknown" in (lo, hi) or "not known" in (lo, hi))
        data["min_age"] = lo if isinstance(lo, int) else None
        data["max_age"] = hi if isinstance(hi, int) else None
        if not data["ages_known"]:
            data["min_age"] = data["max_age"] = None
        if data["min_age"] is not None and data["max_age"] is not None and data["max_age"] < data["min_age"]:
            self.add_error(None, "The maximum age must not be below the minimum age")
        cap, left = data.get("capacity"), data.get("places_left")
        if cap is not None and left is not None and left > cap:
            self.add_error("places_left", "Places left cannot be more than the capacity")
        if data.get("status") == OfferStatus.ARCHIVED and not (data.get("archived_reason") or "").strip():
            self.add_error("archived_reason", "Give the reason an archived offer was archived")
        sessions = data.get("sessions")
        if isinstance(sessions, tuple):
            data["sessions"], data["sessions_known"] = sessions
            if data.get("self_paced"):
                data["sessions_known"] = True
                if data["sessions"]:
                    self.add_error("sessions", "A self-paced offer has no sessions")
        return data


@dataclass
class ImportResult:
    kind: str = "csv"
    strict: bool = True
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    # Every rejected row: {"row": n, "id", "name", "reasons": [...]} — and, as before, {"row": label, "messages"}.
    rejected: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    not_mapped: Counter = field(default_factory=Counter)
    # Every other line of the report: {"group", "row", "id", "name", "message"} — never cut.
    lines: list[dict[str, Any]] = field(default_factory=list)
    file_error: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the job page and bench

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def blocked(self) -> bool:
        """Strict mode with a bad row: nothing was imported."""
        return self.strict and bool(self.error_count)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.blocked and (self.imported > 0 or not self.error_count)

    def line(self, group: str, row: FeedRow | None, message: str) -> None:
        self.lines.append(
            {
                "group": group,
                "row": row.number if row else None,
                "id": row.ext_id if row else "",
                "name": row.name if row else "",
                "message": message,
            }
        )

    def not_mapped_list(self) -> list[dict[str, Any]]:
        return [
            {"field": k, "count": n}
            for k, n in sorted(self.not_mapped.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def groups(self) -> list[dict[str, Any]]:
        """The report's lines grouped, in order of first appearance, each group with its count."""
        out: dict[str, list[dict[str, Any]]] = {}
        for line in self.lines:
            out.setdefault(line["group"], []).append(line)
        return [{"group": g, "count": len(items), "lines": items} for g, items in out.items()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "strict": self.strict,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "rejected": self.rejected,
            "errors": self.errors,
            "error_count": self.error_count,
            "warnings": self.warnings,
            "not_mapped": self.not_mapped_list(),
            "groups": self.groups(),
            "file_error": self.file_error,
            "ok": self.ok,
            "blocked": self.blocked,
            "imported": self.imported,
            "timings": self.timings,
        }

    def command_json(self) -> dict[str, Any]:
        """The ``import_provision --json`` contract (issue 12), exactly these keys."""
        warnings = [*self.warnings]
        if self.file_error:
            warnings.insert(0, self.file_error)
        if self.blocked:
            warnings.insert(0, f"Strict mode: {self.error_count} rejected rows, so nothing was imported")
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [
                {"row": r["row"], "id": r["id"], "name": r["name"], "reasons": r["reasons"]}
                for r in self.rejected
            ],
            "withdrawn": self.withdrawn,
            "not_mapped": self.not_mapped_list(),
            "warnings": warnings,
        }


# --- Reading files into rows ----------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("The file must be saved as UTF-8 text (CSV UTF-8 in Excel)") from None


def csv_rows(text: str) -> tuple[list[FeedRow], tuple[str, ...]]:
    """A row per data row, numbered as the spreadsheet does (the header is row 1); and the columns given."""
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
        ext_id = (row.get("external_id") or "").strip()
        name = (row.get("name") or "").strip() if isinstance(row.get("name"), str) else ""
        if None in row:
            rows.append(
                FeedRow(
                    number=n,
                    ext_id=ext_id,
                    name=name,
                    data={},
                    prefix="Row",
                    problem="has more values than the header has columns",
                )
            )
            continue
        data = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
        rows.append(FeedRow(number=n, ext_id=ext_id, name=name, data=data, prefix="Row"))
    return rows, tuple(c for c in headers if c in COLUMNS)


# --- Validate ------------------------------------------------------------------------------------------


def validate_rows(
    rows: list[FeedRow],
    result: ImportResult,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[FeedRow, dict[str, Any]]]:
    """Clean every row; reject the bad ones with their number, id, name and reasons. The first of two rows
    with the same id (or provider and name) is kept, the later ones rejected."""
    cleaned: list[tuple[FeedRow, dict[str, Any]]] = []
    keys: dict[str, str] = {}
    # One form, re-bound to each row: building a Django form deep-copies its fields, which was half the time
    # of a 10,000-row import. full_clean() starts from empty errors and cleaned_data every time.
    form = OfferRowForm(data={})
    for i, row in enumerate(rows, start=1):
        if row.problem:
            _reject(result, row, [f"This {'row' if row.prefix == 'Row' else 'service'} {row.problem}"])
        else:
            form.data, form._errors = row.data, None
            if not form.is_valid():
                messages = [
                    (f"{name.replace('_', ' ').capitalize()}: " if name != "__all__" else "") + str(msg)
                    for name, errs in form.errors.items()
                    for msg in errs
                ]
                _reject(result, row, messages)
            else:
                data = dict(form.cleaned_data)
                key = natural_key_for(
                    external_id=data["external_id"], provider_name=data["provider"], name=data["name"]
                )
                if key in keys:
                    _reject(
                        result, row, [f"The same offer is already in {keys[key]}: only the first is imported"]
                    )
                else:
                    keys[key] = row.label
                    data["natural_key"] = key
                    cleaned.append((row, data))
        if progress and i % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress:
        progress(len(rows) % PROGRESS_EVERY)
    return cleaned


def _reject(result: ImportResult, row: FeedRow, messages: list[str]) -> None:
    result.error_count += 1
    result.errors.append({"row": row.label, "messages": messages})
    result.rejected.append({"row": row.number, "id": row.ext_id, "name": row.name, "reasons": messages})


# --- Merge with what is on the list -------------------------------------------------------------------------

# The offer columns an import writes, in order (ids of district, provider and owner; then the described fields).
OFFER_COLUMNS = (
    "district_id",
    "provider_id",
    "owner_id",
    "natural_key",
    "external_id",
    *OFFER_DESCRIPTION_FIELDS,
    "status",
    "archived_reason",
    "last_reviewed_on",
    "review_by",
    "stale_since",
    "limbo_days",
    "source",
    "source_checked_on",
    "source_values",
    "lead_overrides",
    "source_changes",
    "source_changed_on",
    "withdrawn_on",
    "updated_at",
)
JSON_COLUMNS = frozenset({"barriers", "regimes", "source_values", "lead_overrides", "source_changes"})
# Read back for the merge: the written columns that are the offer's own (not ids), plus its key and provider.
_EXISTING = (
    "pk",
    "natural_key",
    "provider__name",
    "owner_id",
    *(c for c in OFFER_COLUMNS if c not in ("district_id", "provider_id", "owner_id", "natural_key")),
)


def jsonable(name: str, value: Any) -> Any:
    """A field's value as the snapshot keeps it (JSON): sessions as text, money as a string."""
    if name == "sessions":
        return f.sessions_text(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _source_values(fields_given: tuple[str, ...], d: dict[str, Any]) -> dict[str, Any]:
    return {name: jsonable(name, d[name]) for name in fields_given}


@dataclass
class _Existing:
    values: dict[str, Any]
    sessions: list[SessionInput]


def _load_existing(district: District, keys: Iterable[str]) -> dict[str, _Existing]:
    """The entries the file matches, with their sessions: two queries however many rows."""
    values = list(
        ProvisionOffer.objects.filter(district=district, natural_key__in=list(keys)).values(*_EXISTING)
    )
    sessions: dict[int, list[SessionInput]] = {}
    for offer_id, weekday, starts_at, ends_at in Session.objects.filter(
        offer_id__in=[v["pk"] for v in values]
    ).values_list("offer_id", "weekday", "starts_at", "ends_at"):
        sessions.setdefault(offer_id, []).append(SessionInput(weekday, starts_at, ends_at))
    out = {}
    for v in values:
        v["provider"] = v.pop("provider__name")
        out[v["natural_key"]] = _Existing(
            v, sorted(sessions.get(v["pk"], []), key=lambda s: (s.weekday, s.starts_at))
        )
    return out


def _show(name: str, value: Any) -> str:
    """A snapshot value in words, for the list of what the source changed."""
    if value is None:
        return "no limit" if name in ("min_age", "max_age") else "not known"
    if name == "regimes" and value == []:
        return "every regime"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass
class _Plan:
    records: list[dict[str, Any]] = field(default_factory=list)  # offers to insert or update
    sessions: dict[str, list[SessionInput]] = field(default_factory=dict)  # natural key → sessions to write
    replaced_ids: list[int] = field(default_factory=list)  # existing offers whose sessions are replaced
    contacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # natural key → contacts (feeds)
    websites: dict[str, str] = field(default_factory=dict)  # provider name → website (feeds)


def plan_rows(
    *,
    actor: StaffMember | None,
    district: District,
    cleaned: list[tuple[FeedRow, dict[str, Any]]],
    fields_given: tuple[str, ...],
    kind: str,
    result: ImportResult,
) -> _Plan:
    """Decide, row by row, what to write: new entries in full; existing ones merged field by field (the lead's
    overrides kept), with what the source changed; entries that would not change are counted, not written."""
    today = local_today()
    now = timezone.now()
    existing = _load_existing(district, (d["natural_key"] for _, d in cleaned))
    plan = _Plan()
    for row, d in cleaned:
        d["provider"] = " ".join(d["provider"].split())
        sessions = sorted(d["sessions"], key=lambda s: (s.weekday, s.starts_at))
        d["sessions"] = sessions
        snapshot = _source_values(fields_given, d)
        if row.contacts:
            plan.contacts[d["natural_key"]] = row.contacts
        if row.provider_website:
            plan.websites.setdefault(d["provider"], row.provider_website)
        old = existing.get(d["natural_key"])
        if old is None:
            plan.records.append(_new_record(actor, district, d, snapshot, kind, today, now))
            plan.sessions[d["natural_key"]] = sessions
            result.created += 1
            continue
        record, sessions_changed, visible = _merge(old, d, fields_given, snapshot, row, result, today, now)
        # Never revived: the source listing it as active does not undo the lead's pause or archive.
        if old.values["status"] != OfferStatus.ACTIVE and d["status"] == OfferStatus.ACTIVE:
            result.line(
                "Paused or archived here, still listed by the source",
                row,
                f"{old.values['name']} is {old.values['status']} on your list; the source still lists it "
                "(left as it is)",
            )
        if d["status"] != OfferStatus.ACTIVE and old.values["status"] == OfferStatus.ACTIVE:
            result.line(
                "The source says it is not active", row, f"{old.values['name']}: check whether to pause it"
            )
        if visible or sessions_changed:
            result.updated += 1
        else:
            result.unchanged += 1
        if visible or sessions_changed or record["source_values"] != old.values["source_values"]:
            plan.records.append(record)
        if sessions_changed:
            plan.sessions[d["natural_key"]] = sessions
            plan.replaced_ids.append(old.values["pk"])
    return plan


def _new_record(
    actor: StaffMember | None,
    district: District,
    d: dict[str, Any],
    snapshot: dict[str, Any],
    kind: str,
    today: date,
    now: Any,
) -> dict[str, Any]:
    # Not reviewed by the lead until the lead says so: a file's own review date counts (a CSV is the lead's
    # export); otherwise the entry is due for the lead's review now. The source's check is kept apart.
    last_reviewed = d["last_reviewed"]
    review_by = d["review_by"] or (
        last_reviewed + timedelta(days=REVIEW_EVERY_DAYS) if last_reviewed else today
    )
    return {
        "district_id": district.pk,
        "provider": d["provider"],
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
        "ages_known": d["ages_known"],
        "other_eligibility": d["other_eligibility"],
        "delivery_mode": d["delivery_mode"],
        "self_paced": d["self_paced"],
        "sessions_known": d["sessions_known"],
        "location": d["location"],
        "postcode": d["postcode"],
        "capacity": d["capacity"],
        "places_left": d["places_left"],
        "cost": d["cost"],
        "referral_route": d["referral_route"],
        "contact": d["contact"],
        "status": d["status"],
        "archived_reason": d["archived_reason"] if d["status"] == OfferStatus.ARCHIVED else "",
        "last_reviewed_on": last_reviewed,
        "review_by": review_by,
        "stale_since": None if review_by >= today else today,
        "limbo_days": d["limbo_days"] or 10,
        "source": kind,
        "source_checked_on": d["source_checked"],
        "source_values": snapshot,
        "lead_overrides": [],
        "source_changes": [],
        "source_changed_on": None,
        "withdrawn_on": None,
        "updated_at": now,
    }


def _merge(
    old: _Existing,
    d: dict[str, Any],
    fields_given: tuple[str, ...],
    snapshot: dict[str, Any],
    row: FeedRow,
    result: ImportResult,
    today: date,
    now: Any,
) -> tuple[dict[str, Any], bool, bool]:
    """(the record to write, whether the sessions change, whether anything the lead sees changes)."""
    current = dict(old.values)
    overrides = set(current["lead_overrides"] or ())
    before_snapshot = current["source_values"] or {}
    record = {k: v for k, v in current.items() if k != "pk"}
    record["district_id"] = None  # set by the caller's district; never changes
    changes = []
    for name in fields_given:
        was = before_snapshot[name] if name in before_snapshot else jsonable(name, _current(old, name))
        now_value = snapshot[name]
        if was != now_value:
            changes.append(
                {
                    "field": FIELD_LABELS.get(name, name),
                    "before": _show(name, was),
                    "after": _show(name, now_value),
                    "applied": name not in overrides,
                }
            )
        if name not in overrides and name != "sessions":
            record[name] = d[name]
    sessions_changed = (
        "sessions" in fields_given and "sessions" not in overrides and d["sessions"] != old.sessions
    )
    if d["source_checked"] and d["source_checked"] != current["source_checked_on"]:
        record["source_checked_on"] = d["source_checked"]
    if d["last_reviewed"] and not current["last_reviewed_on"]:
        record["last_reviewed_on"] = d["last_reviewed"]
    if d["review_by"]:
        record["review_by"] = d["review_by"]
    if current["withdrawn_on"]:
        record["withdrawn_on"] = None
        result.line("Back in the source feed", row, f"{current['name']} is listed again")
    if changes:
        record["source_changes"] = changes
        record["source_changed_on"] = today
        for c in changes:
            result.line(
                "Changed by the source",
                row,
                f"{c['field']}: {c['before']} → {c['after']}"
                + ("" if c["applied"] else " (not applied: you changed this field)"),
            )
    record["source_values"] = {**before_snapshot, **snapshot}
    visible = any(
        record[k] != current[k] for k in record if k in current and k not in ("source_values", "updated_at")
    )
    record["updated_at"] = now if (visible or sessions_changed) else current["updated_at"]
    return record, sessions_changed, visible


def _current(old: _Existing, name: str) -> Any:
    return old.sessions if name == "sessions" else old.values[name]


# --- Write ----------------------------------------------------------------------------------------------


def _providers(district: District, plan: _Plan) -> dict[str, int]:
    names = {r["provider"] for r in plan.records}
    existing = dict(Provider.objects.filter(district=district, name__in=names).values_list("name", "website"))
    Provider.objects.bulk_create(
        [
            Provider(district=district, name=n, website=plan.websites.get(n, ""))
            for n in sorted(names - set(existing))
        ],
        batch_size=1000,
    )
    for name, website in existing.items():
        if not website and plan.websites.get(name):
            Provider.objects.filter(district=district, name=name).update(website=plan.websites[name])
    return dict(Provider.objects.filter(district=district, name__in=names).values_list("name", "pk"))


def _write_postgresql(
    records: list[dict], sessions: dict[str, list[SessionInput]], replaced_ids: list[int]
) -> dict[str, int]:
    """COPY the rows into a temporary table, then one INSERT … ON CONFLICT (district, natural_key) DO UPDATE
    into the list and one COPY of the sessions: no model instances at all, which took most of the time of a
    10,000-row import through the ORM. The owner and created_at of an existing entry are kept."""
    cols = ", ".join(OFFER_COLUMNS)
    updates = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in OFFER_COLUMNS if c not in ("district_id", "owner_id", "natural_key")
    )
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        # ON COMMIT DROP clears it at the end; an earlier import in the same (outer) transaction may have left it.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.provision_import")
        cursor.execute(
            f"CREATE TEMPORARY TABLE provision_import ON COMMIT DROP AS SELECT {cols} "  # noqa: S608 - fixed names
            "FROM provision_provisionoffer WITH NO DATA"
        )
        with cursor.copy(f"COPY provision_import ({cols}) FROM STDIN") as copy:
            for r in records:
                copy.write_row(
                    [
                        (json.dumps(r[c]) if r[c] is not None else None) if c in JSON_COLUMNS else r[c]
                        for c in OFFER_COLUMNS
                    ]
                )
        # Sessions of entries the file replaces go first (by id, through the foreign-key index: a join with the
        # unanalysed temporary table let the planner pick a nested loop that took minutes on a fresh database).
        if replaced_ids:
            cursor.execute("DELETE FROM provision_session WHERE offer_id = ANY(%s)", [replaced_ids])
        if records:
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
    return ids


_FIELD_OF_COLUMN = {field.column: field.name for field in ProvisionOffer._meta.concrete_fields}


def _write_orm(
    records: list[dict], sessions: dict[str, list[SessionInput]], replaced_ids: list[int]
) -> dict[str, int]:
    """The same writes through the ORM, for the embedded SQLite demo: bulk upsert, then sessions."""
    if not records:
        return {}
    district_id = records[0]["district_id"]
    ProvisionOffer.objects.bulk_create(
        [ProvisionOffer(**r) for r in records],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["district", "natural_key"],
        # Column names to field names: only a foreign key's column ends in "_id" for its field (external_id is a
        # field of its own).
        update_fields=[
            _FIELD_OF_COLUMN[c] for c in OFFER_COLUMNS if c not in ("district_id", "owner_id", "natural_key")
        ],
    )
    ids = dict(
        ProvisionOffer.objects.filter(
            district_id=district_id, natural_key__in=[r["natural_key"] for r in records]
        ).values_list("natural_key", "pk")
    )
    Session.objects.filter(offer_id__in=replaced_ids).delete()
    Session.objects.bulk_create(
        [
            Session(offer_id=ids[key], weekday=s.weekday, starts_at=s.starts_at, ends_at=s.ends_at)
            for key, items in sessions.items()
            for s in items
        ],
        batch_size=2000,
    )
    return ids


def _write_contacts(district: District, contacts: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the contacts of the offers the feed lists, keeping the lead's "public" choice for a contact
    that is still there. A named person's contact is not public until the lead says so."""
    if not contacts:
        return
    offers = dict(
        ProvisionOffer.objects.filter(district=district, natural_key__in=list(contacts)).values_list(
            "natural_key", "pk"
        )
    )
    kept = {
        (c.offer_id, c.name, c.email, c.phone): c.public
        for c in ProvisionContact.objects.filter(offer_id__in=offers.values())
    }
    ProvisionContact.objects.filter(offer_id__in=offers.values()).delete()
    ProvisionContact.objects.bulk_create(
        [
            ProvisionContact(
                offer_id=offers[key],
                name=c["name"],
                title=c["title"],
                email=c["email"],
                phone=c["phone"],
                named_person=c["named_person"],
                public=kept.get((offers[key], c["name"], c["email"], c["phone"]), not c["named_person"]),
            )
            for key, items in contacts.items()
            if key in offers
            for c in items
        ],
        batch_size=2000,
    )


def _mark_withdrawn(district: District, listed: set[str], result: ImportResult) -> None:
    """Entries an earlier feed import created that this feed no longer lists: flagged, never deleted."""
    today = local_today()
    gone = (
        ProvisionOffer.objects.filter(district=district, source="oruk", withdrawn_on__isnull=True)
        .exclude(natural_key__in=listed)
        .order_by("name", "pk")
    )
    for name, ext_id in gone.values_list("name", "external_id"):
        result.lines.append(
            {
                "group": "No longer in the source feed",
                "row": None,
                "id": ext_id.removeprefix("hsds:"),
                "name": name,
                "message": f"{name} is no longer in the source feed: kept on your list, flagged for you to decide",
            }
        )
        result.withdrawn += 1
    if result.withdrawn:
        gone.update(withdrawn_on=today, updated_at=timezone.now())


def apply_rows(
    *,
    actor: StaffMember | None,
    district: District,
    cleaned: list[tuple[FeedRow, dict[str, Any]]],
    result: ImportResult,
    fields_given: tuple[str, ...],
    kind: str,
    listed: set[str] | None = None,
) -> None:
    """Write every cleaned row in one transaction: providers, then offers (upserted), then their sessions and
    contacts; then flag the feed's entries it no longer lists."""
    with transaction.atomic():
        plan = plan_rows(
            actor=actor,
            district=district,
            cleaned=cleaned,
            fields_given=fields_given,
            kind=kind,
            result=result,
        )
        providers = _providers(district, plan)
        for r in plan.records:
            r["district_id"] = district.pk
            r["provider_id"] = providers[r.pop("provider")]
        if connection.vendor == "postgresql":
            _write_postgresql(plan.records, plan.sessions, plan.replaced_ids)
        else:
            _write_orm(plan.records, plan.sessions, plan.replaced_ids)
        if kind == "oruk":
            _write_contacts(district, plan.contacts)
            _mark_withdrawn(district, listed or set(), result)
        audit_record(
            actor=actor,
            verb=AuditVerb.IMPORTED,
            target=district,
            payload={
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.error_count,
                "withdrawn": result.withdrawn,
            },
        )


def import_offers(
    *,
    actor: StaffMember | None,
    district: District,
    content: bytes | str,
    kind: str,
    strict: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a CSV (``kind="csv"``) or Open Referral UK JSON (``kind="oruk"``, or ``"hsds"``) into the
    district's list. ``strict`` (default: CSV yes, feeds no) imports nothing if any row is rejected."""
    kind = KIND_ALIASES.get(kind, kind)
    result = ImportResult(kind=kind, strict=(kind == "csv") if strict is None else strict)
    try:
        text = decode(content) if isinstance(content, bytes) else content
        if kind == "oruk":
            feed = feed_rows(text)
            rows, fields_given = feed.rows, ORUK_FIELDS
            result.warnings, result.not_mapped = feed.warnings, feed.not_mapped
        else:
            rows, columns = csv_rows(text)
            fields_given = fields_for(columns)
    except (FileProblem, csv.Error) as e:
        result.file_error = str(e) if isinstance(e, FileProblem) else f"The file is not a readable CSV: {e}"
        return result
    result.rows = len(rows)
    if not rows:
        result.file_error = "The file has no rows to import"
        return result
    for row in rows:
        for group, message in row.notes:
            result.line(group, row, message)
    started = time.perf_counter()
    cleaned = validate_rows(rows, result, progress)
    result.timings["validate"] = time.perf_counter() - started
    if result.blocked or not cleaned:
        return result  # strict: nothing half-imported
    # Every id the feed lists counts as listed, even a service rejected this time (it has not left the feed).
    listed = {d["natural_key"] for _, d in cleaned} | {
        natural_key_for(external_id=f"hsds:{r.ext_id}", provider_name="", name="") for r in rows if r.ext_id
    }
    started = time.perf_counter()
    apply_rows(
        actor=actor,
        district=district,
        cleaned=cleaned,
        result=result,
        fields_given=fields_given,
        kind=kind,
        listed=listed,
    )
    result.timings["write"] = time.perf_counter() - started
    return result


def import_file(
    *,
    actor: StaffMember | None,
    district: District,
    content: bytes | str,
    kind: str,
    strict: bool | None = None,
    file_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> tuple[ImportResult, ImportRun]:
    """The one import service (the page, the background job and ``manage.py import_provision``): import, then
    keep the whole report as an ``ImportRun`` the report page and its CSV download read."""
    result = import_offers(
        actor=actor, district=district, content=content, kind=kind, strict=strict, progress=progress
    )
    run = ImportRun.objects.create(
        district=district,
        actor=actor,
        file_name=file_name[:200],
        kind=result.kind,
        strict=result.strict,
        report=result.as_dict(),
    )
    return result, run


def count_rows(content: bytes, kind: str) -> int:
    """A cheap estimate of the rows in a file, to decide whether to import in the background."""
    if KIND_ALIASES.get(kind, kind) == "oruk":
        try:
            services, _ = feed_services(json.loads(content))
        except (ValueError, FileProblem):
            return 0
        return len(services)
    return max(content.count(b"\n") - 1, 0)


REPORT_COLUMNS = ("group", "row", "id", "name", "message")


def report_lines(report: dict[str, Any]) -> Iterable[list[str]]:
    """Every line of an import's report as CSV rows: rejected rows, then the grouped lines, the fields not
    mapped (with counts) and the file's warnings. Nothing is cut."""
    yield list(REPORT_COLUMNS)
    if report.get("file_error"):
        yield ["File not imported", "", "", "", report["file_error"]]
    for r in report.get("rejected", []):
        yield ["Rejected", str(r["row"]), r["id"], r["name"], "; ".join(r["reasons"])]
    for group in report.get("groups", []):
        for line in group["lines"]:
            yield [
                line["group"],
                "" if line["row"] is None else str(line["row"]),
                line["id"],
                line["name"],
                line["message"],
            ]
    for item in report.get("not_mapped", []):
        yield [
            "Not mapped",
            "",
            "",
            "",
            f"{item['field']}: {item['count']} service{'s' if item['count'] != 1 else ''}",
        ]
    for warning in report.get("warnings", []):
        yield ["Warning", "", "", "", warning]


def report_csv(report: dict[str, Any]) -> str:
    return csv_text(report_lines(report))


# --- Export ---------------------------------------------------------------------------------------------


def _age_out(o: ProvisionOffer, value: int | None) -> str:
    if not o.ages_known:
        return "unknown"
    return "any" if value is None else str(value)


def export_rows(offers: Iterable[ProvisionOffer]) -> Iterable[list[str]]:
    """The CSV a lead can edit and import again (same columns; sessions must be prefetched). Not known is
    written "unknown" (an empty cost or mode reads back as not known too); "all" regimes, "any" age and
    "none" sessions are the known answers."""
    yield list(COLUMNS)
    for o in offers:
        sessions = list(o.sessions.all())
        yield [
            o.external_id,
            o.provider.name,
            o.name,
            o.description,
            o.category,
            ";".join(o.barriers or ()),
            "unknown" if o.regimes is None else (";".join(o.regimes) or "all"),
            _age_out(o, o.min_age),
            _age_out(o, o.max_age),
            o.other_eligibility,
            o.delivery_mode,
            "yes" if o.self_paced else "no",
            f.sessions_text(sessions) or ("unknown" if not o.sessions_known and not o.self_paced else "none"),
            o.location,
            o.postcode,
            "" if o.capacity is None else str(o.capacity),
            "" if o.places_left is None else str(o.places_left),
            "unknown" if o.cost is None else f"{o.cost:.2f}",
            o.referral_route,
            o.contact,
            o.status,
            o.archived_reason,
            o.last_reviewed_on.isoformat() if o.last_reviewed_on else "",
            o.review_by.isoformat(),
            str(o.limbo_days),
            o.source_checked_on.isoformat() if o.source_checked_on else "",
        ]


def export_csv(offers: Iterable[ProvisionOffer]) -> str:
    """The export as text; formula cells neutralised by the core's one CSV writer (``iwp.csv_export``)."""
    return csv_text(export_rows(offers))


def audit_export(
    *,
    actor: StaffMember | None,
    what: str,
    rows: int,
    district: District | None = None,
    via: str = "page",
    **extra: Any,
) -> None:
    """Every download of provision data is audited (an export changes nothing, so it has its own transaction)."""
    audit_event(
        actor=actor,
        verb=AuditVerb.EXPORTED,
        target_type="provision.provisionoffer" if what != "import_report" else "provision.importrun",
        target_id=extra.get("run", "") if what == "import_report" else (district.pk if district else ""),
        payload={
            "what": what,
            "rows": rows,
            "district": district.pk if district else None,
            "via": via,
            **extra,
        },
    )
