"""The uprating: recalculate every affected claimant after a threshold or wage-rate change (DESIGN §4).

On PostgreSQL the work is set-based SQL (``claimants/sql/``, functions from migration 0003) in chunks of claimants
by id range, each chunk one transaction that gives the same outcomes as calling
:func:`claimants.regimes.recalculation.claimant_recalculate` (cause ``threshold``) for each of its claimants: a history row
only where the outcome of an assessment period differs from its latest row (insert-only: the new row, with the
highest id of its period, is the outcome in force; the replaced row is left as it was), the claimant
row's regime, cycling flags and IWP-offer status refreshed. On other databases (the SQLite demo) each chunk loops
over ``claimant_recalculate`` instead.

"Affected" claimants are those whose latest current assessment period starts on or after ``effective_from``: their
window (the last 24 periods, as ``claimant_recalculate`` reads) reaches the change. Earlier periods are decided again
too, as the per-claimant path does, but only differences are written, so a consistent history is left alone.

Differences from the per-claimant path, by design:

* history rows carry a one-sentence explanation (the deciding threshold and figures) instead of the engine's full
  explanation; ``_same_outcome`` ignores the wording;
* ``cycling_explanation`` is a short list (summary, one line per crossing, sub-flag notes) for flagged claimants and
  empty otherwise; the flags themselves are exact;
* no audit event per claimant: the job itself is audited when created, and every row it writes carries its
  ``background_job_id``;
* claimant rows are written only when a value changes (``updated_at`` is left alone otherwise).

Resumable: each chunk records itself in ``BackgroundJob.result["chunks_done"]`` in its own transaction; a chunk run
twice (a redelivered task, a resumed job) finds itself done and does nothing, and even if it ran again it would
write nothing, because only differences are written.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from claimants.models import AetParameter, Claimant, EarningsRecord, RegimeMove, ThresholdChange, WageRate
from claimants.regimes.cycling import CyclingSettings
from claimants.regimes.engine import Cause, format_date
from claimants.regimes.recalculation import claimant_recalculate
from iwp.background.jobs import (
    ResumeRefused,
    job_advance,
    job_create,
    job_fail,
    job_is_cancelled,
    job_refuse_resume,
    job_start,
    job_succeed,
)
from iwp.background.outbox import runs_in_process, send_on_commit
from iwp.figures import figures_changed
from iwp.models import AuditEvent, AuditVerb, BackgroundJob, BackgroundJobState, StaffMember

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "UPRATING_JOB_KIND",
    "ChunkResult",
    "classify_floor_sql",
    "classify_rows_sql",
    "threshold_rows_named",
    "uprating_chunk_failed",
    "uprating_chunk_run",
    "uprating_job_run",
    "uprating_preview",
    "uprating_resume",
    "uprating_resume_refusal",
    "uprating_run_inline",
    "uprating_start",
    "uprating_thresholds_not_applied",
]

logger = logging.getLogger(__name__)

UPRATING_JOB_KIND = "uprating"
# One chunk = one transaction: large enough that per-chunk costs (temp tables, plans) vanish, small enough that a
# redelivered chunk redoes little and that its temp tables stay in memory.
DEFAULT_CHUNK_SIZE = 25_000
SQLITE_CHUNK_SIZE = 20
SQL_DIR = Path(__file__).resolve().parent / "sql"
# The SQL names regime codes 2, 3, 4 (working enough) and 7, 8 (light touch) for the IWP offer; keep in step.
_TEMP_TABLES = (
    "upr_claimants",
    "upr_cycling",
    "upr_cross",
    "upr_changed",
    "upr_rows",
    "upr_pe",
    "upr_cl",
    "upr_pf",
    "upr_trusted",
    "upr_old",
    "upr_params",
    "upr_span",
)


# --------------------------------------------------------------------------------------------------------------
# SQL plumbing
# --------------------------------------------------------------------------------------------------------------


_INCLUDE = re.compile(r"/\* include (\w+) \*/")


def _fragment(name: str) -> str:
    """The text of NAME.sql, with the fragments it includes in turn."""
    return _INCLUDE.sub(lambda m: _fragment(m.group(1)), (SQL_DIR / f"{name}.sql").read_text().strip())


@cache
def _statements(name: str, **fragments: str) -> tuple[str, ...]:
    """The statements of ``claimants/sql/NAME.sql`` (split on a ``;`` that ends a line)."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    # A shared fragment: "/* include NAME */" stands for the text of NAME.sql (one predicate, two statements);
    # "/* fragment KEY */" for the text of the file the caller chose for KEY (one statement, two access paths).
    text = re.sub(r"/\* fragment (\w+) \*/", lambda m: _fragment(fragments[m.group(1)]), text)
    text = _INCLUDE.sub(lambda m: _fragment(m.group(1)), text)
    parts = []
    for chunk in text.split(";\n"):
        lines = [line for line in chunk.splitlines() if line.strip() and not line.lstrip().startswith("--")]
        if lines:
            parts.append(chunk.strip())
    return tuple(parts)


def _run(cursor, name: str, params: dict[str, Any], **fragments: str) -> None:
    for statement in _statements(name, **fragments):
        cursor.execute(statement, params)


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _force_custom_plans(cursor) -> None:
    """Plan each statement for its own chunk (SET LOCAL). The app prepares a statement on its second use
    (iwp/settings.py), and after five runs PostgreSQL may keep one generic plan for every id range and date: the
    preview's statement, planned for a chunk it did not know, ran for over ten minutes on the ninth chunk of ten
    instead of 1.5 s. Planning takes milliseconds; a chunk's work, seconds."""
    cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _tune_big_statements(cursor) -> None:
    """SET LOCAL for a transaction of a few large statements: the job's chunks, the floors, the preview."""
    _force_custom_plans(cursor)
    # JIT compiles these plans for longer than they then run; hash joins and the sorts want memory.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '256MB'")


def _tune_transaction(cursor) -> None:
    """Session settings for one chunk's transaction (SET LOCAL: gone at commit)."""
    _tune_big_statements(cursor)
    # The chunk's temporary tables (~50 MB for 25,000 claimants) should stay in memory. Temp buffers can only be
    # sized before the session's first temporary table, so this is a session setting, kept for later chunks on
    # the same connection; once a session has used temp tables at another size it keeps that size.
    try:
        with transaction.atomic():
            cursor.execute("SET temp_buffers = '512MB'")
    except DatabaseError:
        pass


def _drop_temp_tables(cursor) -> None:
    for table in _TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _sql_params(effective_from: date, settings: CyclingSettings, job_id: int | None, today: date) -> dict:
    return {
        "effective_from": effective_from,
        "effective_from_text": format_date(effective_from),
        "job_id": job_id,
        "today": today,
        "short_window": settings.short_window,
        "short_min": settings.short_min,
        "long_window": settings.long_window,
        "long_min": settings.long_min,
        # The best window of N APs is counted from a crossing to N - 2 APs on (see uprating_cycling.sql).
        "short_span": settings.short_window - 2,
        "long_span": settings.long_window - 2,
        "marginal_percent": settings.marginal_percent,
        "marginal_percent_text": str(settings.marginal_percent),
    }


def _moved(move_list: list[dict[str, Any]]) -> dict[str, int]:
    """How many moved from one regime to another, and how many had none before (decided for the first time: not a
    move, and not kept in the list of who moved, claimants.RegimeMove)."""
    return {
        "moved": sum(m["count"] for m in move_list if m["from"]),
        "first_decided": sum(m["count"] for m in move_list if not m["from"]),
    }


def _moving(move_list: list[dict[str, Any]]) -> dict[str, int]:
    """The preview's names for the same two counts: who would move, who would be decided for the first time."""
    moved = _moved(move_list)
    return {"moving": moved["moved"], "first_decided": moved["first_decided"]}


def _move_list(counts: dict[str, int]) -> list[dict[str, Any]]:
    """``{"from>to": n}`` as the list the pages show, biggest first."""
    moves = []
    for key, count in counts.items():
        old, new = key.split(">", 1)
        moves.append({"from": old, "to": new, "count": int(count)})
    return sorted(moves, key=lambda m: (-m["count"], m["from"], m["to"]))


# --------------------------------------------------------------------------------------------------------------
# One chunk, set-based
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    index: int
    claimants: int = 0
    periods: int = 0
    rows_written: int = 0
    claimants_updated: int = 0
    moves: dict[str, int] = field(default_factory=dict)
    # Claimants phase one settled: only the APs from the change on decided (issue #13).
    settled: int = 0
    skipped: str = ""
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def _empty_hand_over(cursor) -> None:
    """No claimant handed to phase two yet: phase one fills upr_trusted (uprating_settle.sql) and phase two reads
    it (uprating_span_handed.sql), each row once, so it has no index."""
    cursor.execute("DROP TABLE IF EXISTS upr_trusted")
    cursor.execute("CREATE TEMP TABLE upr_trusted (claimant_id bigint, from_start date)")


@contextmanager
def _planner_setting(cursor, name: str, value: str) -> Iterator[None]:
    """``SET LOCAL name = value`` for the statements inside only; then whatever was in force before (the server's
    setting, a role's) is put back. Not on an error: the transaction is lost anyway, and a query in it would fail."""
    cursor.execute("SELECT current_setting(%s)", [name])
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    cursor.execute("SELECT set_config(%s, %s, true)", [name, before])


# The statements that read each claimant's history through the index on (claimant_id, period_start, id): phase
# two's window here, and phase one's statement (_settle_chunk), which sets the same itself. Planned while the history
# table looks empty (a first calculation, just after the table was made or emptied), PostgreSQL chose a whole-table
# scan for each claimant, of the table the other workers were filling meanwhile: one 25,000-claimant chunk of the
# bench's first calculation ran for over 9 minutes instead of about 9 s. So sequential scans are ruled out for these
# statements only. Each reads nothing else but the chunk's id range, its temporary tables (which have no index and
# are scanned whatever the setting) and, in phase one, the small reference tables of rates (read by their indexes).
_READ_HISTORY_BY_CLAIMANT = frozenset({"uprating_latest_window"})


def _timed(
    cursor, name: str, params: dict, steps: dict[str, float], step: str | None = None, **fragments: str
) -> None:
    started = time.perf_counter()
    by_claimant = name in _READ_HISTORY_BY_CLAIMANT
    with _planner_setting(cursor, "enable_seqscan", "off") if by_claimant else nullcontext():
        _run(cursor, name, params, **fragments)
    key = step or name
    steps[key] = steps.get(key, 0.0) + time.perf_counter() - started


def _decide(
    cursor, span: str, params: dict, steps: dict[str, float], chunk_claimants: int | None = None
) -> int:
    """Fill upr_span (from the SQL file ``span``), upr_params and upr_rows: the APs to decide, decided (read-only
    on the real tables). Returns the number of claimants in upr_span; 0 leaves upr_params and upr_rows unmade.
    ``chunk_claimants``: how many claimants the chunk holds, when known (see below)."""
    _timed(cursor, span, params, steps, "uprating_span")
    cursor.execute("SELECT count(*) FROM upr_span")
    reached = cursor.fetchone()[0]
    if not reached:
        return 0
    _timed(cursor, "uprating_params", params, steps)
    # Statistics on the join columns only: the planner needs them, and a whole-table ANALYZE of a 30-column temp
    # table cost 0.15 s a chunk (0.03 s for these).
    cursor.execute("ANALYZE upr_span (claimant_id, first_start, last_start)")
    cursor.execute("ANALYZE upr_params")
    _timed(cursor, "uprating_facts", params, steps)
    # When most of the chunk is decided, its id range of APs is scanned and the facts, parameters and partners'
    # earnings are best hashed once. The planner, which cannot estimate the facts' date ranges, expects a few rows
    # and probes them once per AP instead: 0.25 s of 1.8 s for 300,000 APs. When few are (the movers of a real
    # uprating), each claimant's APs are probed and the planner is left to choose. The preview (no count) scans.
    few = chunk_claimants is not None and reached * 2 < chunk_claimants
    hashed = chunk_claimants is not None and not few
    earnings = "uprating_earnings_probe" if few else "uprating_earnings_scan"
    with _planner_setting(cursor, "enable_nestloop", "off") if hashed else nullcontext():
        _timed(cursor, "uprating_rows", params, steps, earnings=earnings)
    cursor.execute("ANALYZE upr_rows (claimant_id, period_start, prev_start, compared)")
    return reached


def _classify_chunk(cursor, lo: int, hi: int, params: dict, steps: dict[str, float]) -> int:
    """Decide the window of every claimant lo <= id < hi the change reaches into upr_span, upr_params and
    upr_rows. Returns the claimants reached."""
    chunk_params = {**params, "lo": lo, "hi": hi}
    _check_wage_bands(cursor)
    return _decide(cursor, "uprating_span", chunk_params, steps)


def _write_rows(cursor, params: dict, steps: dict[str, float]) -> int:
    """Write the decided APs whose outcome differs from their latest history row (upr_old, read by the caller),
    compared and inserted in one statement. Returns the rows written."""
    # Insert-only: the replaced rows are left as they were (the highest id of a period is its outcome).
    _timed(cursor, "uprating_insert", params, steps, "insert")
    return cursor.rowcount


def _settle_chunk(cursor, params: dict, result: ChunkResult) -> None:
    """Phase one (issue #13): decide only the APs from the change on, for claimants with history before it; write
    the rows of those the change leaves settled and hand the rest to phase two (upr_trusted). One
    statement: the floor's decisions (classify_floor.sql) with uprating_from.sql's claimants and
    uprating_settle.sql's verdict and writes."""
    _empty_hand_over(cursor)
    started = time.perf_counter()
    # Planned as the floors and the preview are (_tune_one_statement), and as history is read claimant by claimant
    # (_READ_HISTORY_BY_CLAIMANT): the probes of the history before the change and of each AP's latest row.
    with (
        _planner_setting(cursor, "join_collapse_limit", "1"),
        _planner_setting(cursor, "enable_seqscan", "off"),
    ):
        _run(
            cursor,
            "classify_floor",
            {**params, "decide_from": params["effective_from"]},
            reached="uprating_from",
            written="uprating_settle",
            result="uprating_settle_result",
        )
        decided, settled, written, _trusted = cursor.fetchone()
    result.steps["settle"] = result.steps.get("settle", 0.0) + time.perf_counter() - started
    result.periods += decided
    result.settled = settled
    result.rows_written += written


def _history_before_change(cursor, lo: int, hi: int, effective_from: date, steps: dict[str, float]) -> bool:
    """Whether any claimant lo <= id < hi has a history row before the change, so phase one can reach them
    (uprating_from.sql). In a first calculation or a correction from the earliest AP no one has, and phase one's
    statement would still read the chunk's earnings and probe every claimant's history for nothing (0.1-0.15 s a
    chunk). Phase one looks for a row before each claimant's first AP from the change on; every history row is of
    an AP with current earnings (a correction replaces the current row, nothing deletes one), so such a row is also
    before the change. The claimants are locked, so no recalculation can add one meanwhile. Skipping would be safe
    even if it were not so: phase two then decides every claimant the change reaches, whole windows compared in
    full, which is what phase one only shortens. Read from the index on
    (claimant_id, period_start, id) only: a sequential scan would read the whole table to find the first row."""
    started = time.perf_counter()
    with _planner_setting(cursor, "enable_seqscan", "off"):
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM claimants_regimeassessment h "
            "WHERE h.claimant_id >= %s AND h.claimant_id < %s AND h.period_start < %s)",
            [lo, hi, effective_from],
        )
        (found,) = cursor.fetchone()
    steps["settle"] = steps.get("settle", 0.0) + time.perf_counter() - started
    return found


def _check_wage_bands(cursor) -> None:
    """The SQL keeps six age bands of wage rates per date (classify_floor.sql, uprating_params.sql)."""
    cursor.execute(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM claimants_wagerate "
        "WHERE band <> 'apprentice' GROUP BY effective_from) x"
    )
    if cursor.fetchone()[0] > 6:
        raise ValueError("The set-based uprating supports at most six wage-rate age bands on one date.")


def _counts(cursor, sql: str) -> dict[str, int]:
    cursor.execute(sql)
    return {f"{old}>{new}": int(n) for old, new, n in cursor.fetchall()}


def _process_chunk_sql(
    *, index: int, lo: int, hi: int, effective_from: date, job_id: int | None, settings: CyclingSettings
) -> ChunkResult:
    """Recalculate claimants lo <= id < hi. Runs inside the caller's transaction."""
    result = ChunkResult(index=index)
    steps = result.steps
    params = {**_sql_params(effective_from, settings, job_id, timezone.localdate()), "lo": lo, "hi": hi}
    with connection.cursor() as cursor:
        _tune_transaction(cursor)
        _drop_temp_tables(cursor)
        # Lock the chunk's claimants as claimant_recalculate does, so a per-claimant recalculation cannot
        # interleave with this one (both write the latest history rows and the claimant row).
        started = time.perf_counter()
        cursor.execute(
            "SELECT count(*) FROM (SELECT id FROM claimants_claimant WHERE id >= %s AND id < %s "
            "ORDER BY id FOR UPDATE) locked",
            [lo, hi],
        )
        chunk_claimants = cursor.fetchone()[0]
        steps["lock"] = time.perf_counter() - started
        # Once per chunk, before either phase decides anything.
        _check_wage_bands(cursor)
        if _history_before_change(cursor, lo, hi, effective_from, steps):
            _settle_chunk(cursor, params, result)
            # Phase two decides the claimants phase one handed over, each read by the index.
            span = "uprating_span_handed"
        else:
            # Phase one would reach no one: it decides only claimants with a history row before the change.
            span = "uprating_span"

        # Phase two: every other claimant reached, whole window, history, cycling and the claimant row.
        reached = _decide(cursor, span, params, steps, chunk_claimants)
        result.claimants = result.settled + reached
        if not reached:
            _drop_temp_tables(cursor)
            return result
        _timed(cursor, "uprating_changed", params, steps)
        _timed(cursor, "uprating_latest_window", params, steps, "uprating_latest")
        result.rows_written += _write_rows(cursor, params, steps)
        _timed(cursor, "uprating_cycling", params, steps, "cycling")
        _timed(cursor, "uprating_claimants", params, steps, "claimants")
        # The dashboard figures of the coaches whose claimants moved are recounted once, when the job ends
        # (_recount_job_figures), not after every chunk: a chunk touches a third of all coaches, and a recount per
        # chunk cost more than the chunk's own decisions.
        result.claimants_updated = cursor.rowcount

        cursor.execute("SELECT count(*) FROM upr_rows")
        result.periods += cursor.fetchone()[0]
        result.moves = _counts(
            cursor,
            "SELECT old_regime, regime, count(*) FROM upr_claimants WHERE old_regime <> regime GROUP BY 1, 2",
        )
        _drop_temp_tables(cursor)
    return result


def _affected_ids_python(lo: int, hi: int, effective_from: date) -> list[int]:
    return list(
        EarningsRecord.objects.filter(
            claimant_id__gte=lo, claimant_id__lt=hi, is_current=True, period_start__gte=effective_from
        )
        .values_list("claimant_id", flat=True)
        .distinct()
        .order_by("claimant_id")
    )


def _process_chunk_python(
    *, index: int, lo: int, hi: int, effective_from: date, job_id: int | None, settings: CyclingSettings
) -> ChunkResult:
    """The per-claimant engine for each affected claimant (SQLite demo): a few hundred claimants at most."""
    result = ChunkResult(index=index)
    for claimant_id in _affected_ids_python(lo, hi, effective_from):
        before = (
            Claimant.objects.filter(pk=claimant_id).values_list("current_regime", flat=True).first() or ""
        )
        outcome = claimant_recalculate(
            claimant_id=claimant_id, cause=Cause.THRESHOLD, job_id=job_id, settings=settings
        )
        result.claimants += 1
        result.rows_written += outcome.rows_written
        if before != outcome.current_regime:
            key = f"{before}>{outcome.current_regime}"
            result.moves[key] = result.moves.get(key, 0) + 1
            if job_id is not None and before:
                RegimeMove.objects.create(
                    job_id=job_id,
                    claimant_id=claimant_id,
                    from_regime=before,
                    to_regime=outcome.current_regime,
                )
    return result


def _process_chunk(**kwargs: Any) -> ChunkResult:
    return (_process_chunk_sql if _is_postgresql() else _process_chunk_python)(**kwargs)


# --------------------------------------------------------------------------------------------------------------
# Jobs: plan, run a chunk, finish
# --------------------------------------------------------------------------------------------------------------


def _plan_chunks(chunk_size: int) -> list[list[int]]:
    """[lo, hi, claimants] id ranges of ``chunk_size`` claimants each, covering every claimant."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM claimants_claimant) x "
            "WHERE (n - 1) %% %s = 0 ORDER BY id",
            [chunk_size],
        )
        lows = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT coalesce(max(id), 0), count(*) FROM claimants_claimant")
        top, total = cursor.fetchone()
    chunks = []
    for position, low in enumerate(lows):
        high = lows[position + 1] if position + 1 < len(lows) else top + 1
        count = chunk_size if position + 1 < len(lows) else total - chunk_size * position
        chunks.append([low, high, count])
    return chunks


def _id_ranges(*, chunk_size: int | None = None, parts: int | None = None) -> list[tuple[int, int]]:
    """(lo, hi) id ranges, ``parts`` of them or enough for about ``chunk_size`` claimants each, split evenly by id
    between the lowest and highest: one index probe at each end instead of numbering every claimant (0.25 s at
    1,000,000). For work that needs no exact chunk sizes (the preview, the floor); a job's chunks are planned
    exactly (_plan_chunks), for its progress."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM claimants_claimant")
        low, top, total = cursor.fetchone()
    if not total:
        return []
    parts = max(1, parts or -(-total // max(1, chunk_size or total)))
    width = -(-(top - low + 1) // parts)
    return [(lo, min(lo + width, top + 1)) for lo in range(low, top + 1, width)]


def _job_parameters(job: BackgroundJob) -> tuple[date, CyclingSettings, list[list[int]]]:
    parameters = job.parameters
    return date.fromisoformat(parameters["effective_from"]), CyclingSettings(), parameters.get("chunks", [])


def _record_chunk_done(job_id: int, result: ChunkResult) -> int:
    """Mark the chunk done and add its counts to the job, in the chunk's transaction. Returns chunks done."""
    if not _is_postgresql():
        # The embedded default (SQLite) runs chunks one after another in-process: a locked read-modify-write.
        job = BackgroundJob.objects.select_for_update().get(pk=job_id)
        totals = dict(job.result or {})
        totals["chunks_done"] = [*totals.get("chunks_done", []), result.index]
        totals["rows_written"] = totals.get("rows_written", 0) + result.rows_written
        totals["claimants"] = totals.get("claimants", 0) + result.claimants
        moves = dict(totals.get("move_counts", {}))
        for key, count in result.moves.items():
            moves[key] = moves.get(key, 0) + count
        totals["move_counts"] = moves
        BackgroundJob.objects.filter(pk=job_id).update(result=totals)
        return len(totals["chunks_done"])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE iwp_backgroundjob SET result = result
              || jsonb_build_object(
                'chunks_done', coalesce(result->'chunks_done', '[]'::jsonb) || to_jsonb(%(index)s::integer),
                'rows_written', coalesce((result->>'rows_written')::bigint, 0) + %(rows)s,
                'claimants', coalesce((result->>'claimants')::bigint, 0) + %(claimants)s,
                'move_counts', (
                  SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) FROM (
                    SELECT k, sum(v)::bigint AS v FROM (
                      SELECT key AS k, value::bigint AS v
                      FROM jsonb_each_text(coalesce(result->'move_counts', '{}'::jsonb))
                      UNION ALL
                      SELECT key, value::bigint FROM jsonb_each_text(%(moves)s::jsonb)
                    ) u GROUP BY k) m))
            WHERE id = %(job)s
            RETURNING jsonb_array_length(result->'chunks_done')
            """,
            {
                "index": result.index,
                "rows": result.rows_written,
                "claimants": result.claimants,
                "moves": json.dumps(result.moves),
                "job": job_id,
            },
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def _chunk_is_done(job: BackgroundJob, index: int) -> bool:
    return index in (job.result or {}).get("chunks_done", [])


def uprating_chunk_run(*, job_id: int, index: int) -> ChunkResult:
    """Run one chunk of a job (the Celery task's body). Safe to run twice: a done chunk is skipped."""
    started = time.perf_counter()
    job = BackgroundJob.objects.get(pk=job_id)
    effective_from, settings, chunks = _job_parameters(job)
    lo, hi, size = chunks[index]
    with transaction.atomic():
        if _is_postgresql():
            # Two deliveries of one chunk at once (a redelivery while the first is still running): one waits.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [job_id % 2**31, index])
        job.refresh_from_db(fields=["result", "state"])
        if _chunk_is_done(job, index):
            return ChunkResult(index=index, skipped="done")
        if job_is_cancelled(job_id=job_id) or job.state != BackgroundJobState.RUNNING:
            return ChunkResult(index=index, skipped=str(job.state))
        result = _process_chunk(
            index=index, lo=lo, hi=hi, effective_from=effective_from, job_id=job_id, settings=settings
        )
        done = _record_chunk_done(job_id, result)
        job_advance(job_id=job_id, by=size)
    result.seconds = time.perf_counter() - started
    if done >= len(chunks):
        _finish(job_id)
    return result


def _finish(job_id: int) -> None:
    """Succeed the job with its summary, once every chunk is done (the last chunk to finish calls this)."""
    job = BackgroundJob.objects.get(pk=job_id)
    result = dict(job.result or {})
    if job.finished or len(result.get("chunks_done", [])) < len(job.parameters.get("chunks", [])):
        return
    result["moves"] = _move_list(result.get("move_counts", {}))
    result.update(_moved(result["moves"]))
    result["finished_chunks"] = len(result.get("chunks_done", []))
    job_succeed(job_id=job_id, result=result)
    _recount_job_figures(job)


def _database_now() -> datetime:
    """The database's clock, which stamps the claimant rows' ``updated_at`` in the set-based SQL (see
    _recount_job_figures). SQLite, which has no ``now()`` and runs the per-claimant path, uses this process's."""
    if not _is_postgresql():
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def _recount_job_figures(job: BackgroundJob) -> None:
    """Recount the figures of every coach whose claimant rows changed since the job was planned (a superset of
    those the job rewrote: the chunks write ``updated_at = now()`` only where a value changed), in one recount.
    Called when the job succeeds and when a chunk fails, so the committed chunks' moves are counted either way.
    The time compared is the database's (planned_at), never this process's clock, which may differ."""
    if not _is_postgresql():
        return  # the per-claimant path (SQLite) recounts as each claimant_recalculate commits
    since = job.parameters.get("planned_at") or job.created_at.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT coach_id FROM claimants_claimant "
            "WHERE updated_at >= %s::timestamptz AND coach_id IS NOT NULL",
            [since],
        )
        figures_changed(row[0] for row in cursor.fetchall())


def uprating_chunk_failed(*, job_id: int, error: str) -> None:
    """A chunk raised: the job fails (it can be resumed), and the figures of the chunks already committed are
    recounted now rather than at the next periodic recount."""
    job_fail(job_id=job_id, error=error)
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if job is not None:
        try:
            _recount_job_figures(job)
        except DatabaseError:
            logger.exception(
                "Recounting the figures after uprating job %s failed; the periodic recount will put them right",
                job_id,
            )


def uprating_job_run(*, job_id: int, dispatch: Callable[[int, int], Any] | None = None) -> list[int]:
    """Plan the job's chunks (once), mark it running and dispatch the chunks not yet done.

    ``dispatch(job_id, index)`` sends one chunk (default: the ``claimants.uprating_chunk`` task). Returns the
    indexes dispatched. Called again for the same job (resume), it dispatches only what is left.
    """
    job = BackgroundJob.objects.get(pk=job_id)
    if job.state in (BackgroundJobState.SUCCEEDED, BackgroundJobState.CANCELLED):
        return []
    chunks = job.parameters.get("chunks")
    if chunks is None:
        chunks = _plan_chunks(int(job.parameters.get("chunk_size", DEFAULT_CHUNK_SIZE)))
        planned_at = _database_now().isoformat()
        BackgroundJob.objects.filter(pk=job_id).update(
            parameters={**job.parameters, "chunks": chunks, "planned_at": planned_at}
        )
    job_start(job_id=job_id, total=sum(size for _, _, size in chunks))
    job.refresh_from_db()
    pending = [i for i in range(len(chunks)) if not _chunk_is_done(job, i)]
    if not pending:
        _finish(job_id)
        return []
    if dispatch is None:
        if not runs_in_process():
            # Through the outbox, in one transaction: a chunk the broker cannot take now (Redis gone for a
            # moment) waits in the database and the relay sends it when Redis is back, instead of the whole job
            # failing on the first refused send. A chunk still waiting from an earlier run (a resume) is not sent
            # twice.
            with transaction.atomic():
                for index in pending:
                    send_on_commit(
                        "claimants.uprating_chunk", job_id, index, key=f"uprating:{job_id}:chunk:{index}"
                    )
            return pending
        # No broker (the embedded default): nothing can refuse a chunk, and there is no relay to send one that
        # waits, so each runs here and now, in its own transaction. A chunk that fails marks the job failed and
        # stops it; resuming runs the chunks not done.
        from claimants.regimes.tasks import uprating_chunk

        def dispatch(job_id: int, index: int) -> Any:
            return uprating_chunk.delay(job_id, index)

    for index in pending:
        dispatch(job_id, index)
    return pending


# The threshold tables an uprating reads, by the name a page gives their rows and their audit label.
THRESHOLD_TABLES = (("AET", AetParameter), ("wage rates", WageRate))


# The transaction that made a threshold change: (the cluster's system_identifier, the transaction's id).
Transaction = tuple[int, int]


def _threshold_changes(before: date) -> list[tuple[str, date, datetime, Transaction | None]]:
    """Every recorded change to a threshold row taking effect before ``before``, as (what, date, when, made by):
    what the database logged (``ThresholdChange``, migrations 0027 and 0029: any change, from anywhere, each date it
    touched, with its transaction on PostgreSQL from 0029), and for the changes made before it logged them a
    row's own ``recorded_at`` (added or edited) and from the audit of Django admin (``iwp.admin_audit``) a row
    deleted (its date) or moved to another date (the date it left). A deleted row leaves nothing to stamp, and a
    moved row's stamp is on its new date only, yet the periods from the old date were calculated with it. Only the
    log knows the transaction (None otherwise)."""
    tables = {model._meta.db_table: what for what, model in THRESHOLD_TABLES}
    changes = [
        (tables[table], effective_from, changed_at, None if xid is None or system is None else (system, xid))
        for table, effective_from, changed_at, xid, system in ThresholdChange.objects.filter(
            effective_from__lt=before, table_name__in=tables
        ).values_list("table_name", "effective_from", "changed_at", "transaction_id", "system_identifier")
    ]
    changes += [
        (what, effective_from, recorded_at, None)
        for what, model in THRESHOLD_TABLES
        for effective_from, recorded_at in model.objects.filter(
            effective_from__lt=before, recorded_at__isnull=False
        ).values_list("effective_from", "recorded_at")
    ]
    labels = {model._meta.label_lower: what for what, model in THRESHOLD_TABLES}
    events = AuditEvent.objects.filter(
        target_type__in=labels, verb__in=(AuditVerb.DELETED, AuditVerb.UPDATED)
    ).values_list("target_type", "verb", "payload", "at")
    for target_type, verb, payload, at in events:
        left = _date_left(verb, payload)
        if left is not None and left < before:
            changes.append((labels[target_type], left, at, None))
    return changes


def _database_snapshot() -> dict[str, Any]:
    """What an uprating keeps when it is created, to tell later which threshold changes it read (_changed_after):
    the committed transactions this statement sees (PostgreSQL's ``pg_current_snapshot()`` as text,
    "xmin:xmax:xip,…"), the id of the transaction creating the job (given one now if it has none yet) and the
    cluster's ``system_identifier``; nothing on SQLite."""
    if not _is_postgresql():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id()::text::bigint, "
            "(SELECT system_identifier FROM pg_control_system())"
        )
        snapshot, own, system = cursor.fetchone()
    return {"snapshot": snapshot, "transaction": own, "system_identifier": system}


def _seen_by(transaction_id: int, snapshot: str) -> bool:
    """Whether a snapshot ("xmin:xmax:xip,…") sees the committed transaction ``transaction_id``: it committed before
    the snapshot was taken. As PostgreSQL's ``pg_visible_in_snapshot``: every transaction below xmin had ended, none
    from xmax on had started, and those listed were still running."""
    xmin, xmax, running = snapshot.split(":")
    if transaction_id < int(xmin):
        return True
    return transaction_id < int(xmax) and str(transaction_id) not in running.split(",")


def _changed_after(changed_at: datetime, made_by: Transaction | None, job: BackgroundJob) -> bool:
    """Whether a threshold change came after ``job`` started, so that some part of the job may not have read it.
    By the job's snapshot where the change's transaction is known and of the same cluster (migration 0029): every
    part of the job reads the thresholds after the job was committed, so each sees at least what the snapshot saw;
    a change it did not see counts as after, whatever the database's and the application's clocks say and even if
    its statement ran before the job started. Otherwise by the clocks: the job's start on the application's, the
    change on the database's (the log) or the application's (stamps, audit). So too for a change made by the
    transaction that created the job (its parts run after that commits, but a test may change figures in it after
    the job), which the snapshot cannot order."""
    parameters = job.parameters
    if (
        made_by is None
        or not parameters.get("snapshot")
        or made_by[0] != parameters.get("system_identifier")
        or made_by[1] == parameters.get("transaction")
    ):
        return changed_at > job.created_at
    return not _seen_by(made_by[1], parameters["snapshot"])


def _date_left(verb: str, payload: Any) -> date | None:
    """The date a threshold row had before an admin deletion or a change of its date, from the audit's payload
    (``iwp.admin_audit``); None for any other change, or a payload of another shape."""
    if not isinstance(payload, dict):
        return None
    if verb == AuditVerb.DELETED:
        values = payload.get("values")
        left = values.get("effective_from") if isinstance(values, dict) else None
    else:
        changed = payload.get("changed")
        moved = changed.get("effective_from") if isinstance(changed, dict) else None
        left = moved.get("before") if isinstance(moved, dict) else None
    try:
        return date.fromisoformat(left) if isinstance(left, str) else None
    except ValueError:
        return None


def threshold_rows_named(rows: list[tuple[str, date]]) -> tuple[str, bool]:
    """("the AET from 7 April 2026 and the wage rates from …", whether they take a plural verb), for the
    (what, date) pairs ``uprating_thresholds_not_applied`` and ``uprating_resume_refusal`` find."""
    named = " and ".join(f"the {what} from {format_date(day)}" for what, day in rows)
    return named, len(rows) > 1 or rows[0][0] == "wage rates"


def uprating_thresholds_not_applied(before: date) -> list[tuple[str, date]]:
    """The threshold changes an uprating from ``before`` would skip: AET or wage-rate rows that take effect before
    that date and were added, edited, deleted or moved (``_threshold_changes``) after every uprating that
    succeeded from their date or earlier was started. An uprating decides only the periods from its own date and
    trusts the history before it, so the periods between such a row's date and ``before`` would keep the figures
    they were calculated with. Rows recorded before this was kept (``recorded_at`` empty) count as applied.
    Returns ("AET" or "wage rates", date) pairs, earliest first."""
    jobs = [
        (date.fromisoformat(job.parameters["effective_from"]), job)
        for job in BackgroundJob.objects.filter(
            kind=UPRATING_JOB_KIND, state=BackgroundJobState.SUCCEEDED
        ).only("parameters", "created_at")
        if job.parameters.get("effective_from")
    ]
    skipped = {
        (what, effective_from)
        for what, effective_from, changed_at, made_by in _threshold_changes(before)
        if not any(
            start <= effective_from and not _changed_after(changed_at, made_by, job) for start, job in jobs
        )
    }
    return sorted(skipped, key=lambda row: (row[1], row[0]))


def _job_created(
    effective_from: date, reason: str, chunk_size: int, actor: StaffMember | None
) -> BackgroundJob:
    """A new uprating job, created in one transaction with the snapshot of committed transactions it starts with
    (PostgreSQL, ``_database_snapshot``): every part of the job reads the thresholds after that commits, so each
    sees at least the changes this snapshot sees (``_changed_after``)."""
    with transaction.atomic():
        return job_create(
            kind=UPRATING_JOB_KIND,
            description=f"Uprating from {format_date(effective_from)}: {reason}"[:200],
            created_by=actor,
            parameters={
                "effective_from": effective_from.isoformat(),
                "reason": reason,
                "chunk_size": chunk_size,
                **_database_snapshot(),
            },
        )


def uprating_start(
    *,
    actor: StaffMember | None,
    effective_from: date,
    reason: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> BackgroundJob:
    """Create the uprating job and run it in the background (Celery; without a broker, a thread in this process)."""
    if not _is_postgresql():
        # SQLite has one writer at a time: small chunks (one transaction each) let coaches' saves interleave.
        chunk_size = min(chunk_size, SQLITE_CHUNK_SIZE)
    job = _job_created(effective_from, reason, chunk_size, actor)
    send_on_commit("claimants.uprating_run", job.pk, key=f"uprating:{job.pk}", background=True)
    return job


def _reopen(job_id: int) -> None:
    """A failed job (a chunk raised, or no heartbeat) runs again; its done chunks stay done."""
    BackgroundJob.objects.filter(pk=job_id, state=BackgroundJobState.FAILED).update(
        state=BackgroundJobState.RUNNING, error="", finished_at=None, heartbeat_at=timezone.now()
    )


def uprating_resume_refusal(*, job_id: int) -> str | None:
    """Why a job whose thresholds have changed since it started is not resumed, or None: its parts done
    used the figures before the change, the rest would use the new ones, and the caseload would end half on
    each. A new uprating from the earliest date changed (or the job's own, if earlier) decides all of it again.
    A row taking effect after today changes no period recorded yet (an AP takes the thresholds in force on its
    first day), so entering next April's rates early does not stop a job."""
    job = BackgroundJob.objects.only("parameters", "created_at").get(pk=job_id)
    tomorrow = timezone.localdate() + timedelta(days=1)
    changes = sorted(
        {
            (what, day)
            for what, day, when, made_by in _threshold_changes(tomorrow)
            if _changed_after(when, made_by, job)
        },
        key=lambda row: (row[1], row[0]),
    )
    if not changes:
        return None
    rows, plural = threshold_rows_named(changes)
    start = min(changes[0][1], date.fromisoformat(job.parameters["effective_from"]))
    return (
        f"{rows[0].upper()}{rows[1:]} {'have' if plural else 'has'} been added, changed or removed since this "
        "uprating started, so the parts not done would use different figures from the parts done. Start a new "
        f"uprating from {format_date(start)}."
    )


def _refuse_resume_after_threshold_changes(job_id: int) -> None:
    """``ResumeRefused`` with the reason, if ``uprating_resume_refusal`` gives one."""
    reason = uprating_resume_refusal(job_id=job_id)
    if reason:
        raise ResumeRefused(reason)


def uprating_resume(*, job_id: int) -> BackgroundJob:
    """Run a job again after a worker died or it was marked stalled: only the chunks not done are run, unless the
    thresholds have changed since it started (``_refuse_resume_after_threshold_changes``)."""
    _refuse_resume_after_threshold_changes(job_id)
    _reopen(job_id)
    send_on_commit("claimants.uprating_run", job_id, key=f"uprating:{job_id}", background=True)
    return BackgroundJob.objects.get(pk=job_id)


# --------------------------------------------------------------------------------------------------------------
# In-process run (benchmark, management commands)
# --------------------------------------------------------------------------------------------------------------


def uprating_run_inline(
    effective_from: date,
    reason: str = "Uprating (run in-process)",
    actor: StaffMember | None = None,
    *,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    job_id: int | None = None,
) -> dict[str, Any]:
    """Run a whole uprating in this process: every chunk, ``workers`` at a time (default: one per CPU, at most 2
    here), each on its own database connection. Returns timings and totals. Pass ``job_id`` to resume a job."""
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    started = time.perf_counter()
    if job_id is None:
        job_id = _job_created(effective_from, reason, chunk_size, actor).pk
    else:
        try:
            _refuse_resume_after_threshold_changes(job_id)
        except ResumeRefused as refused:
            job_refuse_resume(job_id=job_id, reason=str(refused), actor=actor)
            raise
        _reopen(job_id)
    pending: list[int] = []
    uprating_job_run(job_id=job_id, dispatch=lambda _job, index: pending.append(index))
    results: list[ChunkResult] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            outcome = uprating_chunk_run(job_id=job_id, index=index)
            with lock:
                results.append(outcome)
        finally:
            if workers > 1:
                connections.close_all()

    try:
        if workers == 1:
            for index in pending:
                run(index)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(run, pending))
    except Exception as error:
        uprating_chunk_failed(job_id=job_id, error=f"{type(error).__name__}: {error}")
        raise
    job = BackgroundJob.objects.get(pk=job_id)
    steps: dict[str, float] = {}
    for outcome in results:
        for name, seconds in outcome.steps.items():
            steps[name] = steps.get(name, 0.0) + seconds
    return {
        "job_id": job_id,
        "state": job.state,
        "seconds": time.perf_counter() - started,
        "workers": workers,
        "chunks": len(pending),
        "claimants": sum(r.claimants for r in results),
        # Claimants phase one settled with only the APs from the change on decided (issue #13).
        "settled": sum(r.settled for r in results),
        "periods": sum(r.periods for r in results),
        "rows_written": sum(r.rows_written for r in results),
        "claimants_updated": sum(r.claimants_updated for r in results),
        "moves": job.result.get("moves", []),
        "chunk_seconds": [round(r.seconds, 3) for r in sorted(results, key=lambda r: r.index)],
        "step_seconds": {name: round(seconds, 3) for name, seconds in steps.items()},
    }


# --------------------------------------------------------------------------------------------------------------
# Preview and the benchmark's floor
# --------------------------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _tune_one_statement(cursor) -> None:
    """Settings for classify_floor.sql (the floors and the preview), for the transaction only."""
    _tune_big_statements(cursor)
    # The joins in the order written: the facts are hashed and each AP probes them. Left to itself, at 1,000,000
    # claimants the planner under-estimated the chunk's APs tenfold, hashed them instead and ran for over seven
    # minutes in 7 GB.
    cursor.execute("SET LOCAL join_collapse_limit = 1")


def _preview_chunks(chunks: list[tuple[int, int]], params: dict) -> dict[str, Any]:
    """Count what the uprating would do for these chunks: one read-only statement per chunk."""
    totals: dict[str, Any] = {
        "claimants": 0,
        "waiting": 0,
        "periods": 0,
        "rows_to_write": 0,
        "moves": {},
        "period_moves": {},
    }

    def add(counts: dict[str, int], into: str) -> None:
        for key, value in counts.items():
            totals[into][key] = totals[into].get(key, 0) + value

    (statement,) = _statements(
        "classify_floor",
        reached="classify_floor_reached",
        written="uprating_preview_compared",
        result="uprating_preview_result",
    )
    # The preview's sessions already fill the cores (uprating_preview), and it is the only statement here that reads
    # without writing, so PostgreSQL would add parallel workers to each: at 1,000,000 claimants they only contended
    # for the same two cores (the preview 10.9 s against 9.8 s without them, medians of seven runs). And the
    # planner expects a few rows out of the decisions, so it sorted a chunk's 100,000 APs to count them and sorted
    # both sides of joins it could hash. Without sorts it hashes: three 100,000-claimant chunks 4.50 s against
    # 4.90 s (five rounds), and from the earliest AP (every AP decided) 26 s against 30 s, with the same counts.
    # Both are put back afterwards: inside a caller's transaction, the statements after the preview plan as usual.
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        _planner_setting(cursor, "max_parallel_workers_per_gather", "0"),
        _planner_setting(cursor, "enable_sort", "off"),
    ):
        _tune_one_statement(cursor)
        for lo, hi in chunks:
            cursor.execute(statement, {**params, "lo": lo, "hi": hi})
            rows = cursor.fetchall()
            totals["claimants"] += rows[0][0]
            totals["waiting"] += rows[0][1]
            for _reached, _waiting, old, new, current, written, from_change, count in rows:
                if count is None or new is None:
                    # No AP decided for the chunk's claimants reached, or history rows of periods not decided (the
                    # other side of uprating_latest_rows.sql's full join).
                    continue
                totals["periods"] += count if from_change else 0
                totals["rows_to_write"] += count if written else 0
                if current is not None and current != new:
                    add({f"{current}>{new}": count}, "moves")
                if written and from_change and old is not None and old != new:
                    add({f"{old}>{new}": count}, "period_moves")
    return totals


def uprating_preview(
    *, effective_from: date, chunk_size: int = DEFAULT_CHUNK_SIZE * 4, workers: int | None = None
) -> dict[str, Any]:
    """Who would move if the uprating ran now: read-only.

    ``moves``: claimants whose current regime would change, per (from, to); ``period_moves``: assessment periods
    on or after ``effective_from`` whose latest recorded regime would change, per (from, to). Only the APs from
    the change on are decided (for an April uprating, each claimant's latest AP), by the floor's one statement
    (classify_floor.sql) per chunk, which compares each with its latest history row as the job's insert does:
    the job's own pipeline of temporary tables took 1.5 times as long (issue #13). On ``workers`` connections at
    once (default: one per CPU, at most 2) unless called inside a transaction, which the others could not see.
    """
    if not _is_postgresql():
        return _preview_python(effective_from)
    params = {"effective_from": effective_from, "decide_from": effective_from}
    chunks = _id_ranges(chunk_size=chunk_size)
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    if connection.in_atomic_block or workers == 1 or len(chunks) < 2:
        parts = [_preview_chunks(chunks, params)]
    else:

        def run(share: list[tuple[int, int]]) -> dict[str, Any]:
            try:
                return _preview_chunks(share, params)
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, [chunks[i::workers] for i in range(workers)]))
    moves: dict[str, int] = {}
    period_moves: dict[str, int] = {}
    for part in parts:
        for key, value in part["moves"].items():
            moves[key] = moves.get(key, 0) + value
        for key, value in part["period_moves"].items():
            period_moves[key] = period_moves.get(key, 0) + value
    move_list = _move_list(moves)
    return {
        "effective_from": effective_from.isoformat(),
        "claimants": sum(p["claimants"] for p in parts),
        # Claimants reached who wait for a recalculation (uprating_waiting.sql): the job decides their whole window,
        # so it may write more rows for them than rows_to_write, which counts the APs from the change on.
        "waiting": sum(p["waiting"] for p in parts),
        "periods": sum(p["periods"] for p in parts),
        "rows_to_write": sum(p["rows_to_write"] for p in parts),
        **_moving(move_list),
        "moves": move_list,
        "period_moves": _move_list(period_moves),
    }


def _preview_python(effective_from: date) -> dict[str, Any]:
    """The preview on SQLite: recalculate each affected claimant in a transaction that is rolled back."""
    moves: dict[str, int] = {}
    claimants = rows = 0
    ids = _affected_ids_python(0, 2**62, effective_from)
    try:
        with transaction.atomic():
            for claimant_id in ids:
                before = Claimant.objects.filter(pk=claimant_id).values_list("current_regime", flat=True)[0]
                outcome = claimant_recalculate(claimant_id=claimant_id, cause=Cause.THRESHOLD)
                claimants += 1
                rows += outcome.rows_written
                if before != outcome.current_regime:
                    key = f"{before}>{outcome.current_regime}"
                    moves[key] = moves.get(key, 0) + 1
            raise _Rollback
    except _Rollback:
        pass
    move_list = _move_list(moves)
    return {
        "effective_from": effective_from.isoformat(),
        "claimants": claimants,
        "waiting": 0,  # rows_to_write already counts their whole windows: each claimant is recalculated in full
        "periods": None,
        "rows_to_write": rows,
        **_moving(move_list),
        "moves": move_list,
        "period_moves": [],
    }


def classify_floor_sql(
    effective_from: date, decide_from: date | None = None, workers: int | None = None, history: bool = False
) -> dict[str, Any]:
    """The benchmark's floor: one hand-written statement that decides every assessment period of the affected
    claimants' windows (only those from ``decide_from`` on, when given: the APs a real uprating decides) and
    writes each outcome as a row of ``iwp_floor_outcome`` (regime, partner's regime, thresholds as displayed), no
    history diff, no flags. Run as ``workers`` sessions at once (default: as many as the job uses), each on half
    the claimants by id, as the job's chunks are: a statement that writes is never parallel in PostgreSQL.
    With ``history``, each outcome is written instead as the uprating writes it (a history row with its
    explanation, into the real history table and its indexes) and rolled back: what writing history alone adds to
    the floor. Returns the count per regime, the rows written and the seconds taken."""
    if not _is_postgresql():
        raise NotImplementedError("The SQL floor needs PostgreSQL.")
    started = time.perf_counter()
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS iwp_floor_outcome (claimant_id bigint, period_start date, regime text, "
            "partner_regime text, aet_individual numeric, aet_couple numeric, cet_individual numeric, "
            "cet_partner numeric, cet_household numeric)"
        )
        cursor.execute("TRUNCATE iwp_floor_outcome")
    ranges = _id_ranges(parts=workers)
    (statement,) = _statements(
        "classify_floor",
        reached="classify_floor_reached",
        written="classify_floor_history" if history else "classify_floor_outcome",
        result="classify_floor_result",
    )
    threaded = len(ranges) > 1 and not connection.in_atomic_block

    def run(lo: int, hi: int) -> dict[str, int]:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _tune_one_statement(cursor)
                cursor.execute(
                    statement,
                    {
                        "effective_from": effective_from,
                        "decide_from": decide_from,
                        "lo": lo,
                        "hi": hi,
                        "effective_from_text": format_date(effective_from),
                        "job_id": None,
                    },
                )
                counts = {regime: int(count) for regime, count in cursor.fetchall()}
                if history:
                    # Measured, then undone: the history the benchmark's jobs compare against stays as it was.
                    raise _Rollback(counts)
                return counts
        except _Rollback as undone:
            return undone.args[0]
        finally:
            if threaded:
                connections.close_all()

    if threaded:
        with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
            parts = list(pool.map(lambda r: run(*r), ranges))
    else:
        parts = [run(lo, hi) for lo, hi in ranges]
    by_regime: dict[str, int] = {}
    for part in parts:
        for regime, count in part.items():
            by_regime[regime] = by_regime.get(regime, 0) + count
    return {
        "seconds": time.perf_counter() - started,
        "periods": sum(by_regime.values()),
        "by_regime": by_regime,
        "sessions": len(ranges),
    }


def classify_rows_sql(*, lo: int, hi: int, effective_from: date) -> list[dict[str, Any]]:
    """The SQL decision for every AP in the window of claimants lo <= id < hi (read-only; for tests and checks):
    regime, partner's regime and thresholds as displayed, as ``assess`` would give them."""
    params = {
        **_sql_params(effective_from, CyclingSettings(), None, timezone.localdate()),
        "lo": lo,
        "hi": hi,
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _tune_transaction(cursor)
            _drop_temp_tables(cursor)
            if not _classify_chunk(cursor, lo, hi, params, {}):
                return []
            _run(cursor, "classify_rows", params)
            columns = (
                "claimant_id",
                "period_start",
                "period_end",
                "regime",
                "partner_regime",
                "aet_individual",
                "aet_couple",
                "cet_individual",
                "cet_partner",
                "cet_household",
                "easement_active",
            )
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            raise _Rollback
    except _Rollback:
        pass
    return rows


def chunk_ranges(chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterable[list[int]]:
    """The id ranges a job would use (for tools that split the work themselves)."""
    return _plan_chunks(chunk_size)
