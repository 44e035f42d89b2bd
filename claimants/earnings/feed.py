"""The earnings feed: a bulk ingest of monthly earnings (RTI-style CSV, or JSON) run by administrators.

Built for files of a million rows, in three phases:

1. **Read and check every row**, streaming. Rows are read in batches of ``READ_BATCH_ROWS``; each batch's claimants
   are looked up with one query (NINO → id and assessment day) and the valid rows are COPYed into a temporary
   staging table. Nothing the service keeps changes in this phase, so a file that cannot be read (missing column,
   broken CSV, not UTF-8) changes nothing.
2. **Cross-row checks** in SQL on the staging table: a second row for the same claimant and period is a duplicate
   (the later rows are rejected). [Decision] A claimant with any rejected row has *all* their rows in the file
   rejected ("another row for this claimant was rejected"), so one file never half-applies a claimant's earnings.
   In strict mode (all or nothing) any rejected row rejects the whole file here.
3. **Apply**, set-based, in transactions of whole claimants (about ``APPLY_BATCH_ROWS`` rows each; a claimant's rows
   are never split across transactions, so each claimant gets all their rows or none). Inside each transaction the
   current rows are compared with the file: the same figures again change nothing (as in
   ``claimant_record_earnings``: employed, self-employed, paydays and the non-UC partner's figures are compared;
   source and received_at are not), a correction marks the old row ``is_current=False`` with ``superseded_at`` and
   inserts the new one. Unchanged rows are not locked or written (re-ingesting a million unchanged rows writes
   nothing). If someone else records or corrects one of the same periods meanwhile, the batch is rolled back and
   retried claimant by claimant; a claimant still in conflict is rejected with a reason. Recalculation (cause ``earnings``) is enqueued on commit, once per claimant whose earnings
   changed, in lists of ``RECALCULATION_CHUNK`` ids (task ``claimants.recalculate_claimants``).

One audit event (``IMPORTED``) is written per file read (at least one row) with the counts; a body that could not be
read as a file of earnings, or had no rows, changes nothing and is not audited. Individual rows are not audited one by one: the
rows themselves carry ``recorded_by`` and ``received_at``, and superseded rows are kept.

The writes are plain SQL (``INSERT … SELECT`` and ``UPDATE … FROM`` against the staging table) rather than ORM
``bulk_create``/``bulk_update``: building a million model instances costs more than the database work itself. The
tests in ``tests/claimants/test_earnings_feed.py`` exercise every statement, so a schema change that breaks one fails
there.
"""

from __future__ import annotations

import calendar
import csv
import heapq
import io
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import IO, Any, Literal

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from claimants.models import NINO_RE, Claimant, EarningsRecord, EarningsSource, normalise_nino
from claimants.regimes.engine import Cause
from claimants.regimes.selectors import PeriodWindow
from claimants.services import claimant_record_earnings, mark_regimes_stale
from iwp.audit import audit_record
from iwp.background.outbox import send_on_commit
from iwp.models import AuditVerb, StaffMember

logger = logging.getLogger(__name__)

READ_BATCH_ROWS = 10_000
APPLY_BATCH_ROWS = 20_000
RECALCULATION_CHUNK = 200
MAX_REJECTED_DETAILS = 10_000
MONEY_LIMIT = Decimal(1_000_000)
PENNY = Decimal("0.01")

REQUIRED_COLUMNS = ("nino", "period_start", "employed_gross")
OPTIONAL_COLUMNS = (
    "self_employed_gross",
    "paydays",
    "source",
    "received_at",
    "partner_employed_gross",
    "partner_self_employed_gross",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SOURCES = tuple(EarningsSource.values)
DEFAULT_SOURCE = EarningsSource.RTI.value

ANOTHER_ROW_REJECTED = (
    "another row for this claimant was rejected, so none of this claimant's rows were applied"
)
CHANGED_DURING_IMPORT = (
    "this claimant's earnings were changed by someone else during the import, so none of their rows were applied; "
    "ingest the file again"
)

_MONEY_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAYDAYS_RE = re.compile(r"^\d{1,3}$")

Format = Literal["csv", "json"]


class EarningsFeedError(ValueError):
    """The file as a whole cannot be read (missing columns, broken CSV or JSON, not UTF-8): nothing is applied."""


class ConcurrentChange(IntegrityError):
    """A current row this file corrects was superseded by someone else between our comparison and our update."""


# Row states in the staging table.
_OK, _DUPLICATE, _OTHER_ROW_REJECTED, _NEW, _CORRECTION, _UNCHANGED, _CONFLICT = range(7)


@dataclass(frozen=True, order=True)
class RejectedRow:
    """A rejected row: ``row`` is the CSV line number (the header is line 1) or the JSON record number (from 1)."""

    row: int
    nino: str = ""
    period_start: str = ""
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "nino": self.nino,
            "period_start": self.period_start,
            "reasons": list(self.reasons),
        }


@dataclass
class IngestResult:
    fmt: str
    strict: bool
    name: str = ""
    rows_read: int = 0
    created: int = 0  # rows for a period with no earnings recorded yet
    corrected: int = 0  # rows that replaced different figures (the old row is kept, superseded)
    unchanged: int = 0  # the same figures again
    rejected_count: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)  # the first MAX_REJECTED_DETAILS, by row number
    claimants_changed: int = 0
    claimants_recalculated: int = 0  # claimants whose recalculation was enqueued (0 with recalculate=False)
    # Nothing was applied: the file could not be read, or strict mode found a bad row.
    file_rejected: bool = False
    error: str = ""  # why the file as a whole could not be read
    ignored_columns: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def applied(self) -> int:
        return self.created + self.corrected

    @property
    def ok(self) -> bool:
        return not self.file_rejected and self.rejected_count == 0

    @property
    def rejected_truncated(self) -> bool:
        return self.rejected_count > len(self.rejected)

    def counts(self) -> dict[str, Any]:
        return {
            "format": self.fmt,
            "name": self.name,
            "strict": self.strict,
            "rows_read": self.rows_read,
            "applied": self.applied,
            "created": self.created,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "rejected": self.rejected_count,
            "claimants_changed": self.claimants_changed,
            "claimants_recalculated": self.claimants_recalculated,
            "file_rejected": self.file_rejected,
            "error": self.error,
        }

    def as_dict(self, rejected_limit: int | None = None) -> dict[str, Any]:
        rows = self.rejected if rejected_limit is None else self.rejected[:rejected_limit]
        return {
            **self.counts(),
            "ignored_columns": self.ignored_columns,
            "rejected_rows": [r.as_dict() for r in rows],
            "rejected_rows_truncated": len(rows) < self.rejected_count,
            "timings": self.timings,
        }

    def summary_lines(self) -> list[str]:
        lines = [f"Rows read: {self.rows_read}"]
        if self.error:
            lines.append(f"File rejected: {self.error}")
        elif self.file_rejected:
            lines.append(
                f"File rejected (all or nothing): {self.rejected_count} row(s) were invalid, so no rows were applied"
            )
        lines += [
            f"Applied: {self.applied} ({self.created} new, {self.corrected} corrections)",
            f"Unchanged: {self.unchanged}",
            f"Rejected: {self.rejected_count}",
            f"Claimants recalculated: {self.claimants_recalculated}",
        ]
        if self.ignored_columns:
            lines.append(f"Ignored columns: {', '.join(self.ignored_columns)}")
        return lines


# --- Reading ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    row: int
    nino: str
    period_text: str
    period: date | None
    figures: tuple  # employed, self_employed, paydays, partner_employed, partner_self_employed, source, received_at
    reasons: list[str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value.strip() if isinstance(value, str) else str(value)


def _money(text: str, column: str, reasons: list[str], *, required: bool = False) -> Decimal | None:
    if not text:
        if required:
            reasons.append(f"{column} is missing")
        return None
    if not _MONEY_RE.match(text):
        reasons.append(
            f"{column} '{text}' is not an amount of money: use digits and a decimal point, like 952.38"
        )
        return None
    amount = Decimal(text)
    if amount < 0:
        reasons.append(f"{column} cannot be negative")
    elif amount != amount.quantize(PENNY):
        reasons.append(f"{column} '{text}' has more than 2 decimal places")
    elif amount >= MONEY_LIMIT:
        reasons.append(f"{column} must be less than £1,000,000")
    else:
        return amount.quantize(PENNY)
    return None


@lru_cache(maxsize=4096)
def _received_at(text: str) -> datetime:
    """A feed's rows often share a few timestamps, so parsed values are cached. Naive times are UK local time."""
    value = datetime.fromisoformat(text)
    return timezone.make_aware(value, timezone.get_default_timezone()) if timezone.is_naive(value) else value


def _check_fields(row_no: int, values: list[str], now: datetime, periods: PeriodWindow) -> _Row:
    """The checks that need no database: formats, ranges and codes. ``values`` are stripped strings in ``COLUMNS``
    order (JSON values are turned into text first, see ``_json_rows``)."""
    reasons: list[str] = []
    nino_text = values[0]
    nino = nino_text.upper() if len(nino_text) == 9 and nino_text.isalnum() else normalise_nino(nino_text)
    if not nino:
        reasons.append("nino is missing")
    elif not NINO_RE.match(nino):
        reasons.append(
            f"nino '{nino_text}' is not a National Insurance number in the right format, like AB123456C"
        )

    period_text = values[1]
    period = None
    if not period_text:
        reasons.append("period_start is missing")
    elif _DATE_RE.match(period_text):
        try:
            period = date.fromisoformat(period_text)
        except ValueError:
            reasons.append(f"period_start '{period_text}' is not a real date")
        else:
            problem = periods.problem(period)
            if problem:
                reasons.append(f"period_start {period_text}: {problem}")
    else:
        reasons.append(f"period_start '{period_text}' is not a date in the form YYYY-MM-DD")

    employed = _money(values[2], "employed_gross", reasons, required=True)
    self_employed = _money(values[3], "self_employed_gross", reasons)
    if self_employed is None:
        self_employed = Decimal("0.00")

    paydays_text = values[4]
    paydays = None
    if paydays_text:
        if _PAYDAYS_RE.match(paydays_text) and int(paydays_text) <= 31:
            paydays = int(paydays_text)
        else:
            reasons.append(f"paydays '{paydays_text}' must be a whole number from 0 to 31")

    source = values[5].lower() or DEFAULT_SOURCE
    if source not in SOURCES:
        reasons.append(f"source '{source}' must be one of {', '.join(SOURCES)}")

    received_text = values[6]
    received_at = now
    if received_text:
        try:
            received_at = _received_at(received_text)
        except ValueError:
            reasons.append(
                f"received_at '{received_text}' is not a date and time in ISO 8601 form, like 2025-07-10T09:00:00Z"
            )

    partner_employed = _money(values[7], "partner_employed_gross", reasons)
    partner_self_employed = _money(values[8], "partner_self_employed_gross", reasons)
    return _Row(
        row=row_no,
        nino=nino or nino_text,
        period_text=period_text,
        period=period,
        figures=(
            employed,
            self_employed,
            paydays,
            partner_employed,
            partner_self_employed,
            source,
            received_at,
        ),
        reasons=reasons,
    )


def _header(names: list[str]) -> tuple[list[int | None], list[str]]:
    cleaned = [n.strip().lstrip("\ufeff").strip().lower() for n in names]
    missing = [c for c in REQUIRED_COLUMNS if c not in cleaned]
    if missing:
        raise EarningsFeedError(
            f"The header row is missing the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            f"The first line must name the columns: {', '.join(REQUIRED_COLUMNS)} (required) and "
            f"{', '.join(OPTIONAL_COLUMNS)} (optional)."
        )
    twice = sorted({c for c in cleaned if c in COLUMNS and cleaned.count(c) > 1})
    if twice:
        raise EarningsFeedError(f"The header row names the column {', '.join(twice)} more than once.")
    positions = [cleaned.index(c) if c in cleaned else None for c in COLUMNS]
    ignored = [n for n in cleaned if n and n not in COLUMNS]
    return positions, ignored


def _csv_rows(stream: Iterable[str], result: IngestResult) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield (line number, values in COLUMNS order, problem) for each non-blank data row."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise EarningsFeedError(
            f"The file is empty. The first line must name the columns: {', '.join(REQUIRED_COLUMNS)}."
        ) from None
    positions, result.ignored_columns = _header(header)
    width = len(header)
    last_line = reader.line_num
    for fields in reader:
        row_no, last_line = last_line + 1, reader.line_num
        if not any(f.strip() for f in fields):
            continue  # a blank line
        problem = ""
        count = len(fields)
        if count > width and any(f.strip() for f in fields[width:]):
            problem = (
                f"the row has {len(fields)} values but the header names {width} columns "
                "(is there a comma inside an amount?)"
            )
        yield row_no, [fields[p].strip() if p is not None and p < count else "" for p in positions], problem


def _json_rows(stream: IO[str], result: IngestResult) -> Iterator[tuple[int, list[str] | None, str]]:
    # parse_float=Decimal: 952.38 written as a JSON number stays exactly 952.38.
    data = json.load(stream, parse_float=Decimal)
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise EarningsFeedError(
            'The JSON must be an object with a list of records: {"records": [{"nino": …}, …]}.'
        )
    ignored: set[str] = set()
    for number, record in enumerate(data["records"], start=1):
        if not isinstance(record, dict):
            yield number, None, "the record is not a JSON object"
            continue
        keys = {str(k).strip().lower(): v for k, v in record.items()}
        ignored.update(k for k in keys if k not in COLUMNS)
        yield number, [_text(keys.get(c)) for c in COLUMNS], ""
    result.ignored_columns = sorted(ignored)


# --- The staging table --------------------------------------------------------------------------------------

EARNINGS_TABLE = EarningsRecord._meta.db_table

_NULL = "\\N"
_STAGING_COLUMNS = (
    "row_no, claimant_id, nino, period_start, employed, self_employed, paydays, partner_employed, "
    "partner_self_employed, source, received_at"
)


class _Staging:
    """A temporary table holding the file's valid rows while they are checked together and applied."""

    def __init__(self) -> None:
        self.table = f"earnings_feed_{uuid.uuid4().hex[:16]}"

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} ("
                "row_no integer NOT NULL, claimant_id bigint NOT NULL, nino varchar(9) NOT NULL, "
                "period_start date NOT NULL, employed numeric(10, 2) NOT NULL, self_employed numeric(10, 2) NOT NULL, "
                "paydays smallint, partner_employed numeric(10, 2), partner_self_employed numeric(10, 2), "
                "source varchar(12) NOT NULL, received_at timestamptz NOT NULL, "
                f"state smallint NOT NULL DEFAULT {_OK}, current_id bigint, first_row integer)"
            )

    def copy(self, lines: list[str]) -> None:
        """COPY lines already in PostgreSQL's text format (see ``_copy_line``): one write per batch."""
        if not lines:
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {self.table} ({_STAGING_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write("".join(lines))

    def index(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX ON {self.table} (claimant_id, period_start)")
            cursor.execute(f"ANALYZE {self.table}")

    def drop(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        except DatabaseError:
            # The surrounding transaction is already broken; the temporary table goes with the session anyway.
            pass


def _copy_line(row: _Row, claimant_id: int) -> str:
    """One staging row in COPY text format. Every value has been checked, so none holds a tab, newline or
    backslash: digits, dates, a NINO, a source code and an ISO timestamp. None is written as \\N."""
    employed, self_employed, paydays, partner_employed, partner_self_employed, source, received_at = (
        row.figures
    )
    return (
        f"{row.row}\t{claimant_id}\t{row.nino}\t{row.period}\t{employed}\t{self_employed}\t"
        f"{_NULL if paydays is None else paydays}\t{_NULL if partner_employed is None else partner_employed}\t"
        f"{_NULL if partner_self_employed is None else partner_self_employed}\t{source}\t{received_at}\n"
    )


def _claimants_by_nino(ninos: set[str]) -> dict[str, tuple[int, int]]:
    """One query per batch: NINO → (claimant id, assessment day). ``= ANY(array)`` beats an IN list of 10,000."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nino, id, assessment_day FROM {Claimant._meta.db_table} WHERE nino = ANY(%s)",  # noqa: S608
            [list(ninos)],
        )
        return {nino: (pk, day) for nino, pk, day in cursor.fetchall()}


def _use_staging() -> bool:
    """The staging-table path needs PostgreSQL (COPY, arrays, window sums)."""
    return connection.vendor == "postgresql"


def _period_problem(row: _Row, assessment_day: int) -> str | None:
    """Why ``row``'s period_start cannot start one of the claimant's assessment periods, or None."""
    if (
        row.period is None
        or row.period.day == assessment_day  # the common case needs no calendar
        or row.period.day == min(assessment_day, calendar.monthrange(row.period.year, row.period.month)[1])
    ):
        return None
    shorter = " (or the last day of a shorter month)" if assessment_day > 28 else ""
    return (
        f"period_start {row.period_text} is not the first day of one of this claimant's assessment "
        f"periods: they start on day {assessment_day} of each month{shorter}"
    )


def _ingest_in_python(
    rows: Iterator[tuple[int, list[str] | None, str]],
    result: IngestResult,
    now: datetime,
    periods: PeriodWindow,
    actor: StaffMember | None,
    strict: bool,
    recalculate: bool,
) -> list[RejectedRow]:
    """The embedded default (SQLite, the laptop demo): the same checks and outcome through the ORM, claimant by
    claimant. The staging-table path above is for PostgreSQL and national-scale files."""
    checked: list[_Row] = []
    for row_no, values, problem in rows:
        row = (
            _Row(row_no, "", "", None, (), [problem])
            if values is None
            else _check_fields(row_no, values, now, periods)
        )
        if values is not None and problem:
            row.reasons.insert(0, problem)
        checked.append(row)
        result.rows_read += 1
    known = {c.nino: c for c in Claimant.objects.filter(nino__in={r.nino for r in checked if r.nino})}
    first_row: dict[tuple[int, date], int] = {}
    by_claimant: dict[int, list[_Row]] = {}
    for row in checked:
        claimant = known.get(row.nino)
        if claimant is None and not row.reasons:
            row.reasons.append(f"no claimant has the National Insurance number {row.nino}")
        elif claimant is not None and (problem := _period_problem(row, claimant.assessment_day)):
            row.reasons.append(problem)
        if claimant is not None and row.period is not None and not row.reasons:
            seen = first_row.setdefault((claimant.pk, row.period), row.row)
            if seen != row.row:
                row.reasons.append(f"the same claimant and period_start as row {seen}")
        if claimant is not None:
            by_claimant.setdefault(claimant.pk, []).append(row)
    rejected = [r for r in checked if r.reasons]
    for rows_of_one in by_claimant.values():
        if any(r.reasons for r in rows_of_one):
            for r in rows_of_one:
                if not r.reasons:
                    r.reasons.append(ANOTHER_ROW_REJECTED)
                    rejected.append(r)
    result.rejected_count = len(rejected)
    if not (strict and rejected):
        by_id = {c.pk: c for c in known.values()}
        for claimant_id, rows_of_one in by_claimant.items():
            if any(r.reasons for r in rows_of_one):
                continue
            claimant = by_id[claimant_id]
            changed = False
            with transaction.atomic():
                for r in rows_of_one:
                    (
                        employed,
                        self_employed,
                        paydays,
                        partner_employed,
                        partner_self_employed,
                        source,
                        received,
                    ) = r.figures
                    existed = EarningsRecord.objects.filter(
                        claimant=claimant, period_start=r.period, is_current=True
                    ).exists()
                    _, row_changed = claimant_record_earnings(
                        claimant=claimant,
                        period_start=r.period,
                        employed_earnings=employed,
                        self_employed_earnings=self_employed or Decimal(0),
                        paydays=paydays,
                        non_uc_partner_employed=partner_employed,
                        non_uc_partner_self_employed=partner_self_employed,
                        source=source,
                        received_at=received,
                        actor=actor,
                        recalculate=False,
                    )
                    result.created += row_changed and not existed
                    result.corrected += row_changed and existed
                    result.unchanged += not row_changed
                    changed |= row_changed
                if changed:
                    result.claimants_changed += 1
                    if recalculate:
                        _enqueue([claimant_id])
                        result.claimants_recalculated += 1
    else:
        result.file_rejected = True
    return sorted(RejectedRow(r.row, r.nino, r.period_text, tuple(r.reasons)) for r in rejected)


def _read(
    rows: Iterator[tuple[int, list[str] | None, str]],
    staging: _Staging,
    result: IngestResult,
    now: datetime,
    periods: PeriodWindow,
    rejected: list[RejectedRow],
    progress: Callable[[str, int], None] | None,
) -> set[int]:
    """Check every row and stage the valid ones. Returns the ids of claimants with a rejected row."""
    bad_claimants: set[int] = set()
    while True:
        batch = list(islice(rows, READ_BATCH_ROWS))
        if not batch:
            return bad_claimants
        checked: list[_Row] = []
        for row_no, values, problem in batch:
            if values is None:
                checked.append(_Row(row_no, "", "", None, (), [problem]))
                continue
            row = _check_fields(row_no, values, now, periods)
            if problem:
                row.reasons.insert(0, problem)
            checked.append(row)
        ninos = {r.nino for r in checked if NINO_RE.match(r.nino)}
        claimants = _claimants_by_nino(ninos)
        staged: list[tuple] = []
        for row in checked:
            known = claimants.get(row.nino)
            if known is None:
                if row.nino in ninos:
                    row.reasons.append(f"no claimant has the National Insurance number {row.nino}")
            elif problem := _period_problem(row, known[1]):
                row.reasons.append(problem)
            if row.reasons:
                result.rejected_count += 1
                if len(rejected) < MAX_REJECTED_DETAILS:
                    rejected.append(RejectedRow(row.row, row.nino, row.period_text, tuple(row.reasons)))
                if known is not None:
                    bad_claimants.add(known[0])
                continue
            staged.append(_copy_line(row, known[0]))
        staging.copy(staged)
        result.rows_read += len(batch)
        if progress:
            progress("read", result.rows_read)


def _cross_row_checks(staging: _Staging, bad_claimants: set[int], result: IngestResult) -> list[RejectedRow]:
    """Duplicates within the file, then every row of a claimant with a rejected row. Returns the first rejections."""
    t = staging.table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH twice AS (
                SELECT claimant_id, period_start FROM {t} GROUP BY claimant_id, period_start HAVING count(*) > 1
            ), ranked AS (
                SELECT s.row_no, min(s.row_no) OVER (PARTITION BY s.claimant_id, s.period_start) AS first_row
                FROM {t} s JOIN twice USING (claimant_id, period_start)
            )
            UPDATE {t} s SET state = {_DUPLICATE}, first_row = ranked.first_row
            FROM ranked WHERE s.row_no = ranked.row_no AND ranked.row_no <> ranked.first_row
            RETURNING s.claimant_id
            """  # noqa: S608 - the table name is ours, not input
        )
        bad_claimants.update(pk for (pk,) in cursor.fetchall())
        if bad_claimants:
            cursor.execute(
                f"UPDATE {t} SET state = {_OTHER_ROW_REJECTED} WHERE state = {_OK} AND claimant_id = ANY(%s)",  # noqa: S608
                [list(bad_claimants)],
            )
        cursor.execute(
            f"SELECT count(*) FROM {t} WHERE state IN ({_DUPLICATE}, {_OTHER_ROW_REJECTED})"  # noqa: S608
        )
        (count,) = cursor.fetchone()
        result.rejected_count += count
        cursor.execute(
            f"SELECT row_no, nino, period_start, state, first_row FROM {t} "  # noqa: S608
            f"WHERE state IN ({_DUPLICATE}, {_OTHER_ROW_REJECTED}) ORDER BY row_no LIMIT %s",
            [MAX_REJECTED_DETAILS],
        )
        return [
            RejectedRow(
                row_no,
                nino,
                period.isoformat(),
                (f"the same claimant and period_start as row {first_row}",)
                if state == _DUPLICATE
                else (ANOTHER_ROW_REJECTED,),
            )
            for row_no, nino, period, state, first_row in cursor.fetchall()
        ]


# --- Applying -----------------------------------------------------------------------------------------------


def _apply_batches(staging: _Staging) -> list[tuple[int, int]]:
    """Ranges of claimant ids, each holding about APPLY_BATCH_ROWS rows; no claimant's rows span two ranges."""
    t = staging.table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT min(claimant_id), max(claimant_id) FROM (
                SELECT claimant_id, (sum(count(*)) OVER (ORDER BY claimant_id))::bigint AS upto
                FROM {t} WHERE state = {_OK} GROUP BY claimant_id
            ) c GROUP BY (upto - 1) / %s ORDER BY 1
            """,  # noqa: S608
            [APPLY_BATCH_ROWS],
        )
        return cursor.fetchall()


def _apply_range(
    staging: _Staging, lo: int, hi: int, now: datetime, actor_id: int | None
) -> tuple[dict, list]:
    """Apply the staged rows of claimants lo..hi. Runs inside the caller's transaction."""
    t, e = staging.table, EARNINGS_TABLE
    in_range = "s.claimant_id BETWEEN %(lo)s AND %(hi)s"
    params = {"lo": lo, "hi": hi, "now": now, "actor": actor_id}
    with connection.cursor() as cursor:
        # Compare with the current rows as claimant_record_earnings does. Nothing is locked here: a row that turns
        # out unchanged is left alone, and a row we supersede is re-checked by the UPDATE below.
        cursor.execute(
            f"""
            UPDATE {t} s SET current_id = e.id, state = CASE
                WHEN e.employed_earnings = s.employed AND e.self_employed_earnings = s.self_employed
                     AND e.paydays IS NOT DISTINCT FROM s.paydays
                     AND e.non_uc_partner_employed IS NOT DISTINCT FROM s.partner_employed
                     AND e.non_uc_partner_self_employed IS NOT DISTINCT FROM s.partner_self_employed
                THEN {_UNCHANGED} ELSE {_CORRECTION} END
            FROM {e} e
            WHERE e.claimant_id = s.claimant_id AND e.period_start = s.period_start AND e.is_current
                AND e.claimant_id BETWEEN %(lo)s AND %(hi)s AND s.state = {_OK} AND {in_range}
            """,  # noqa: S608
            params,
        )
        cursor.execute(f"UPDATE {t} s SET state = {_NEW} WHERE s.state = {_OK} AND {in_range}", params)  # noqa: S608
        cursor.execute(
            f"SELECT s.state, count(*) FROM {t} s WHERE {in_range} "  # noqa: S608
            f"AND s.state IN ({_NEW}, {_CORRECTION}, {_UNCHANGED}) GROUP BY s.state",
            params,
        )
        counts = dict(cursor.fetchall())
        if counts.get(_CORRECTION):
            # The UPDATE locks each row and re-checks is_current: a row someone else superseded meanwhile is skipped,
            # and then the counts differ.
            cursor.execute(
                f"UPDATE {e} e SET is_current = false, superseded_at = %(now)s FROM {t} s "  # noqa: S608
                f"WHERE e.id = s.current_id AND e.is_current AND s.state = {_CORRECTION} AND {in_range}",
                params,
            )
            if cursor.rowcount != counts[_CORRECTION]:
                raise ConcurrentChange(f"earnings of claimants {lo}..{hi} changed during the import")
        if not (counts.get(_NEW) or counts.get(_CORRECTION)):
            return counts, []
        cursor.execute(
            f"""
            INSERT INTO {e} (claimant_id, period_start, employed_earnings, self_employed_earnings, paydays,
                             non_uc_partner_employed, non_uc_partner_self_employed, source, received_at,
                             recorded_by_id, is_current, superseded_at)
            SELECT s.claimant_id, s.period_start, s.employed, s.self_employed, s.paydays, s.partner_employed,
                   s.partner_self_employed, s.source, s.received_at, %(actor)s::bigint, true, NULL
            FROM {t} s WHERE s.state IN ({_NEW}, {_CORRECTION}) AND {in_range}
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"SELECT DISTINCT s.claimant_id FROM {t} s "  # noqa: S608
            f"WHERE {in_range} AND s.state IN ({_NEW}, {_CORRECTION}) ORDER BY 1",
            params,
        )
        changed = [pk for (pk,) in cursor.fetchall()]
    return counts, changed


def _enqueue(claimant_ids: list[int]) -> None:
    """The recalculation the new earnings imply, written with them (a mark on each claimant and an intent in the
    outbox, iwp.background.outbox): sent when they commit."""
    mark_regimes_stale(claimant_ids, Cause.EARNINGS)
    send_on_commit("claimants.recalculate_claimants", claimant_ids, str(Cause.EARNINGS))


def _apply_one_transaction(
    staging: _Staging,
    lo: int,
    hi: int,
    now: datetime,
    actor_id: int | None,
    result: IngestResult,
    recalculate: bool,
) -> None:
    with transaction.atomic():
        counts, changed = _apply_range(staging, lo, hi, now, actor_id)
        if recalculate:
            for start in range(0, len(changed), RECALCULATION_CHUNK):
                _enqueue(changed[start : start + RECALCULATION_CHUNK])
    result.created += counts.get(_NEW, 0)
    result.corrected += counts.get(_CORRECTION, 0)
    result.unchanged += counts.get(_UNCHANGED, 0)
    result.claimants_changed += len(changed)
    if recalculate:
        result.claimants_recalculated += len(changed)


def _apply(
    staging: _Staging,
    now: datetime,
    actor_id: int | None,
    result: IngestResult,
    recalculate: bool,
    progress: Callable[[str, int], None] | None,
) -> list[RejectedRow]:
    conflicts: list[RejectedRow] = []
    for lo, hi in _apply_batches(staging):
        try:
            _apply_one_transaction(staging, lo, hi, now, actor_id, result, recalculate)
        except IntegrityError:
            # Someone else recorded or corrected a period this file also records while we were applying it (a
            # unique-constraint violation, or a ConcurrentChange). The batch was rolled back; go claimant by claimant,
            # each compared afresh, so only a claimant still in conflict is rejected.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT DISTINCT claimant_id FROM {staging.table} "  # noqa: S608
                    f"WHERE state = {_OK} AND claimant_id BETWEEN %s AND %s ORDER BY 1",
                    [lo, hi],
                )
                claimant_ids = [pk for (pk,) in cursor.fetchall()]
            for pk in claimant_ids:
                try:
                    _apply_one_transaction(staging, pk, pk, now, actor_id, result, recalculate)
                except IntegrityError:
                    conflicts += _reject_claimant(staging, pk, result)
        if progress:
            progress("apply", result.created + result.corrected + result.unchanged)
    return conflicts


def _reject_claimant(staging: _Staging, claimant_id: int, result: IngestResult) -> list[RejectedRow]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {staging.table} SET state = {_CONFLICT} WHERE claimant_id = %s AND state = {_OK} "  # noqa: S608
            "RETURNING row_no, nino, period_start",
            [claimant_id],
        )
        rows = cursor.fetchall()
    result.rejected_count += len(rows)
    return [
        RejectedRow(row_no, nino, period.isoformat(), (CHANGED_DURING_IMPORT,))
        for row_no, nino, period in rows
    ]


# --- The service ----------------------------------------------------------------------------------------------


def _open(source: IO[str] | str | os.PathLike) -> tuple[IO[str], bool, str]:
    if isinstance(source, str | os.PathLike):
        return open(source, encoding="utf-8-sig", newline=""), True, os.path.basename(source)
    if isinstance(source, io.RawIOBase | io.BufferedIOBase):
        return io.TextIOWrapper(source, encoding="utf-8-sig", newline=""), False, getattr(source, "name", "")
    return source, False, str(getattr(source, "name", "") or "")


def ingest_earnings(
    *,
    source: IO[str] | str | os.PathLike,
    fmt: Format = "csv",
    actor: StaffMember | None = None,
    strict: bool = False,
    recalculate: bool = True,
    name: str = "",
    progress: Callable[[str, int], None] | None = None,
) -> IngestResult:
    """Check and apply a file of monthly earnings; see the module docstring.

    ``source`` is a path or an open text stream (a binary stream is read as UTF-8). ``strict`` rejects the whole file
    if any row is invalid. ``recalculate=False`` records the earnings without enqueuing regime recalculation.
    ``progress(phase, rows)`` is called after each batch ("read", then "apply") — for a BackgroundJob's progress bar.
    Whole-file problems do not raise: the result has ``error`` set and ``file_rejected`` true.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"fmt must be 'csv' or 'json', not {fmt!r}")
    started = time.perf_counter()
    result = IngestResult(fmt=fmt, strict=strict)
    now = timezone.now()
    periods = PeriodWindow.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    stream, close, default_name = _open(source)
    result.name = name or default_name
    staging = _Staging()
    early: list[RejectedRow] = []
    late: list[RejectedRow] = []
    if not _use_staging():
        try:
            rows = _csv_rows(stream, result) if fmt == "csv" else _json_rows(stream, result)
            late = _ingest_in_python(rows, result, now, periods, actor, strict, recalculate)
        except EarningsFeedError as exc:
            result.error = str(exc)
        except (json.JSONDecodeError, csv.Error) as exc:
            result.error = f"The file could not be read as {fmt.upper()}: {exc}."
        except UnicodeDecodeError:
            result.error = "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
        finally:
            if close:
                stream.close()
        result.file_rejected = result.file_rejected or bool(result.error)
        return _finish_ingest(result, early, late, actor, started)
    try:
        staging.create()
        try:
            rows = _csv_rows(stream, result) if fmt == "csv" else _json_rows(stream, result)
            bad_claimants = _read(rows, staging, result, now, periods, early, progress)
        except EarningsFeedError as exc:
            result.error = str(exc)
        except (json.JSONDecodeError, csv.Error) as exc:
            result.error = f"The file could not be read as {fmt.upper()}: {exc}."
        except UnicodeDecodeError:
            result.error = "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
        result.timings["read"] = round(time.perf_counter() - started, 3)
        if result.error:
            result.file_rejected = True
        else:
            staging.index()
            late = _cross_row_checks(staging, bad_claimants, result)
            result.timings["check"] = round(time.perf_counter() - started - result.timings["read"], 3)
            if strict and result.rejected_count:
                result.file_rejected = True
            else:
                applying = time.perf_counter()
                late = sorted(late + _apply(staging, now, actor_id, result, recalculate, progress))
                result.timings["apply"] = round(time.perf_counter() - applying, 3)
    finally:
        if close:
            stream.close()
        staging.drop()
    return _finish_ingest(result, early, late, actor, started)


def _finish_ingest(
    result: IngestResult,
    early: list[RejectedRow],
    late: list[RejectedRow],
    actor: StaffMember | None,
    started: float,
) -> IngestResult:
    result.rejected = list(islice(heapq.merge(early, late), MAX_REJECTED_DETAILS))
    if not result.applied and (result.error or not result.rows_read):
        # Nothing was read — a body that is not a file of earnings at all (broken JSON, no header, the wrong
        # columns, not UTF-8) or a file with no rows — so nothing happened to anyone's record: no audit event
        # (fuzzing the API once wrote 13,900 of them). The caller still gets the error. Anything applied is
        # always audited.
        logger.info(
            "earnings feed: nothing read, nothing audited (%s)",
            "file not read" if result.error else "no rows",
        )
    else:
        with transaction.atomic():
            audit_record(
                actor=actor,
                verb=AuditVerb.IMPORTED,
                target_type="claimants.earningsrecord",
                payload={"feed": "earnings", **result.counts()},
            )
    result.timings["total"] = round(time.perf_counter() - started, 3)
    return result
