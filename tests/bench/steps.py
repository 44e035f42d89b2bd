"""The bench's measured steps. Each runs in its own process (``python -m tests.bench.steps STEP [options]``) so
that its peak RSS (``ru_maxrss``) is its own, and prints one JSON object on its last stdout line.

``tests.bench.run`` orchestrates them; they can also be run by hand against a seeded bench database.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from claimants.facts.services import facts_first_version  # noqa: E402
from claimants.models import AetParameter, Claimant, EarningsRecord, WageRate  # noqa: E402
from claimants.regimes.engine import Cause  # noqa: E402
from claimants.regimes.recalculation import RECALCULATED_FIELDS, claimant_recalculate  # noqa: E402

# The uprating recalculates from the first day of the earliest seeded AP, so every claimant's whole seeded history
# (12 APs) is decided again. The hypothetical threshold change it follows (see ``prepare_uprating``) takes effect
# for the latest seeded AP (October 2026), so a realistic share of claimants' current regime moves; an earlier date
# would be overtaken by the April 2026 rows and move nobody's current regime.
RECALCULATE_FROM = date(2025, 11, 1)
HYPOTHETICAL_FROM = date(2026, 10, 1)
HYPOTHETICAL_AET = {"single_hours": Decimal(20), "couple_hours": Decimal(31), "hourly_rate": Decimal("12.71")}
HYPOTHETICAL_WAGE_UPLIFT = Decimal("1.025")
NOTE = "Hypothetical uprating inserted by the benchmark (tests/bench)"

SNAPSHOT_FIELDS = (
    "current_regime",
    "regime_since",
    "current_period_start",
    "regime_cycling",
    "cycling_seasonal",
    "cycling_marginal",
    "cycling_pay_cycle",
    "iwp_offer_status",
)


def rss_now_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def proc_peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of another process, e.g. the Celery worker."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def uprating_module():
    """``claimants.regimes.uprating`` if another engineer has written it, else None."""
    try:
        return importlib.import_module("claimants.regimes.uprating")
    except ModuleNotFoundError as exc:
        if exc.name == "claimants.regimes.uprating":
            return None
        raise


def call_with(fn, /, **candidates: Any) -> Any:
    """Call ``fn`` with those of ``candidates`` its signature accepts (the harness adapts to the real API)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn(**candidates)
    return fn(**{k: v for k, v in candidates.items() if k in params})


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return jsonable({k: getattr(value, k) for k in value.__dataclass_fields__})
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def count_rows(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


# --- Preparing the uprating ----------------------------------------------------------------------------------


def prepare_uprating() -> dict:
    """Insert the hypothetical threshold rows (idempotent): an AET of 20 h / 31 h × £12.71 and wage rates 2.5%
    higher than the latest, both effective 1 October 2026 (the latest seeded APs start on or after it)."""
    created = []
    if not AetParameter.objects.filter(effective_from=HYPOTHETICAL_FROM).exists():
        AetParameter.objects.create(effective_from=HYPOTHETICAL_FROM, note=NOTE, **HYPOTHETICAL_AET)
        created.append("aet")
    if not WageRate.objects.filter(effective_from=HYPOTHETICAL_FROM).exists():
        latest = (
            WageRate.objects.filter(effective_from__lt=HYPOTHETICAL_FROM).order_by("-effective_from").first()
        )
        rows = WageRate.objects.filter(effective_from=latest.effective_from)
        WageRate.objects.bulk_create(
            WageRate(
                effective_from=HYPOTHETICAL_FROM,
                band=r.band,
                min_age=r.min_age,
                max_age=r.max_age,
                rate=(r.rate * HYPOTHETICAL_WAGE_UPLIFT).quantize(Decimal("0.01")),
            )
            for r in rows
        )
        created.append("wages")
    return {"created": created}


# --- Steps ---------------------------------------------------------------------------------------------------


def server_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes (the postmaster, its live children, and the
    children it has reaped: cutime/cstime), when the server runs on this machine and its data directory is
    readable; None otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            data_directory = cursor.fetchone()[0]
        postmaster = int(Path(data_directory, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError, django.db.DatabaseError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])
        elif parent == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wal_lsn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def measured(fn) -> tuple[Any, dict]:
    """Call fn() and measure it: wall seconds, CPU seconds of this process (every thread) and of the
    PostgreSQL server, and the WAL bytes written."""
    lsn, server, client = _wal_lsn(), server_cpu_seconds(), _client_cpu_seconds()
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    client_cpu = _client_cpu_seconds() - client
    server_after = server_cpu_seconds()
    server_cpu = None if server is None or server_after is None else server_after - server
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint", [lsn])
        wal = cursor.fetchone()[0]
    return out, {
        "seconds": seconds,
        "client_cpu_seconds": client_cpu,
        "server_cpu_seconds": server_cpu,
        "cpu_seconds": client_cpu + (server_cpu or 0.0),
        "wal_bytes": wal,
    }


def _run_uprating(args, reason: str, effective_from: date) -> dict:
    mod = uprating_module()
    if mod is None or not hasattr(mod, "uprating_run_inline"):
        return {"available": False}
    rss_start = rss_now_mb()
    info, figures = measured(
        lambda: call_with(
            mod.uprating_run_inline,
            effective_from=args.effective_from or effective_from,
            reason=reason,
            actor=None,
        )
    )
    info = jsonable(info) if isinstance(info, dict) else {"returned": jsonable(info)}
    moves = info.get("moves")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_regime, count(*) FROM claimants_claimant GROUP BY 1 ORDER BY 2 DESC")
        regimes = dict(cursor.fetchall())
    return {
        "available": True,
        **figures,
        "effective_from": (args.effective_from or effective_from).isoformat(),
        "info": info,
        "aps_decided": info.get("periods"),
        "rows_written": info.get("rows_written"),
        "claimants": info.get("claimants"),
        "settled": info.get("settled"),
        "periods": info.get("periods"),
        "claimants_moved": sum(m.get("count", 0) for m in moves) if isinstance(moves, list) else None,
        "cycling": count_rows("SELECT count(*) FROM claimants_claimant WHERE regime_cycling"),
        "regimes": regimes,
        "rss_start_mb": rss_start,
        "peak_rss_mb": peak_rss_mb(),
    }


def _run_floor(effective_from: date, decide_from: date | None, history: bool = False) -> dict:
    """A floor: one hand-written statement deciding the same APs as the job and writing each outcome (with
    ``history``, writing each as a history row, rolled back)."""
    mod = uprating_module()
    if mod is None or not hasattr(mod, "classify_floor_sql"):
        return {"available": False}
    info, figures = measured(
        lambda: call_with(
            mod.classify_floor_sql, effective_from=effective_from, decide_from=decide_from, history=history
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS iwp_floor_outcome")
    return {
        "available": True,
        **figures,
        "info": jsonable(info),
        "aps_decided": info["periods"],
        "rows_written": info["periods"],
        "peak_rss_mb": peak_rss_mb(),
    }


def step_baseline(args) -> dict:
    """The first full calculation: the uprating run once from the earliest AP on a caseload with no history yet,
    so every AP gets a history row (it prepares the scenarios and (c))."""
    return _run_uprating(args, "Benchmark: first regime history", RECALCULATE_FROM)


def step_floor_first(args) -> dict:
    """The first full calculation's floor: every AP decided and one row written per AP."""
    return _run_floor(RECALCULATE_FROM, None)


def step_prepare(args) -> dict:
    return prepare_uprating()


def step_preview(args) -> dict:
    """The uprating preview for scenario (i) (who would move), before the job: it decides the latest APs only."""
    mod = uprating_module()
    if mod is None or not hasattr(mod, "uprating_preview"):
        return {"available": False}
    info, figures = measured(lambda: mod.uprating_preview(effective_from=HYPOTHETICAL_FROM))
    return {"available": True, **figures, "info": jsonable(info), "peak_rss_mb": peak_rss_mb()}


def step_uprating(args) -> dict:
    """Scenario (i), a real uprating: new threshold rows effective from the latest AP, the job from that date."""
    return _run_uprating(args, "Benchmark: hypothetical uprating", HYPOTHETICAL_FROM)


def step_floor(args) -> dict:
    """Scenario (i)'s floor: the APs from the change on (each claimant's latest), decided and written."""
    return _run_floor(HYPOTHETICAL_FROM, HYPOTHETICAL_FROM)


def step_floor_history(args) -> dict:
    """Scenario (i)'s floor writing history: the same decisions written as history rows with the job's
    explanation, into the real history table and its indexes, then rolled back."""
    return _run_floor(HYPOTHETICAL_FROM, HYPOTHETICAL_FROM, history=True)


def step_correct(args) -> dict:
    """Before scenario (ii): a correction to the AET row in force at the earliest AP (a new row from that date,
    hourly rate 1p higher), so every AP of every claimant must be decided again."""
    if AetParameter.objects.filter(effective_from=RECALCULATE_FROM).exists():
        return {"created": []}
    in_force = AetParameter.objects.filter(effective_from__lt=RECALCULATE_FROM).order_by("-effective_from")[0]
    penny = Decimal("0.01")
    AetParameter.objects.create(
        effective_from=RECALCULATE_FROM,
        single_hours=in_force.single_hours,
        couple_hours=in_force.couple_hours,
        hourly_rate=None if in_force.hourly_rate is None else in_force.hourly_rate + penny,
        single_cash=None if in_force.single_cash is None else in_force.single_cash + penny,
        couple_cash=None if in_force.couple_cash is None else in_force.couple_cash + penny,
        note="Correction inserted by the benchmark (tests/bench)",
    )
    return {"created": ["aet correction"]}


def step_uprating_full(args) -> dict:
    """Scenario (ii), a full re-decision: the job from the earliest AP after the correction."""
    return _run_uprating(args, "Benchmark: correction from the earliest AP", RECALCULATE_FROM)


def step_floor_full(args) -> dict:
    """Scenario (ii)'s floor: every AP of every claimant decided and written."""
    return _run_floor(RECALCULATE_FROM, None)


# --- Repeated runs (``make bench --repeat N``) ----------------------------------------------------------------

SNAPSHOT_TABLE = "bench_claimant_snapshot"


def step_snapshot(args) -> dict:
    """Before a job that is run more than once: keep what it will write on the claimant rows (an unlogged copy)."""
    columns = ", ".join(RECALCULATED_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOT_TABLE}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {SNAPSHOT_TABLE} AS SELECT id, {columns} FROM claimants_claimant"
        )
        cursor.execute(f"ALTER TABLE {SNAPSHOT_TABLE} ADD PRIMARY KEY (id)")
        return {"claimants": count_rows(f"SELECT count(*) FROM {SNAPSHOT_TABLE}")}


def step_undo(args) -> dict:
    """Undo job ``--job-id`` so that it can be measured again on the same data: its history rows and moves deleted
    (the whole history truncated when it wrote all of it, as a first calculation does, so the table and its
    indexes start empty again, as they did) and the claimant rows put back from the snapshot (the table rewritten
    when most of it was). Not measured."""
    job_id = args.job_id
    if job_id is None:
        raise SystemExit("undo needs --job-id: the job whose rows to delete")
    columns = ", ".join(RECALCULATED_FIELDS)
    kept = ", ".join(f"s.{name}" for name in RECALCULATED_FIELDS)
    with transaction.atomic(), connection.cursor() as cursor:
        others = count_rows(
            "SELECT count(*) FROM (SELECT 1 FROM claimants_regimeassessment "
            "WHERE background_job_id IS DISTINCT FROM %s LIMIT 1) x",
            [job_id],
        )
        if others:
            cursor.execute("DELETE FROM claimants_regimeassessment WHERE background_job_id = %s", [job_id])
            history = cursor.rowcount
        else:
            history = count_rows("SELECT count(*) FROM claimants_regimeassessment")
            cursor.execute("TRUNCATE claimants_regimeassessment")
        cursor.execute("DELETE FROM claimants_regimemove WHERE job_id = %s", [job_id])
        cursor.execute(
            f"UPDATE claimants_claimant c SET ({columns}) = ({kept}) FROM {SNAPSHOT_TABLE} s "
            f"WHERE s.id = c.id AND ({', '.join(f'c.{n}' for n in RECALCULATED_FIELDS)}) "
            f"IS DISTINCT FROM ({kept})"
        )
        put_back = cursor.rowcount
    if put_back * 10 > count_rows("SELECT count(*) FROM claimants_claimant"):
        # A first calculation rewrote every claimant row and the put-back rewrote it again: the table rewritten, as
        # it was seeded (compact, its fillfactor's room on each page), so the next run does not meet a table
        # twice the size with its rows scattered.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM FULL claimants_claimant")
    return {"history_rows_removed": history, "claimants_put_back": put_back}


class _Rollback(Exception):
    pass


def _sample_ids(size: int, seed: float) -> list[int]:
    """A reproducible random sample of claimant ids, keeping only one partner of a couple."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "SELECT id, partner_id FROM claimants_claimant ORDER BY random() LIMIT %s", [int(size * 1.2) + 10]
        )
        picked: list[int] = []
        seen: set[int] = set()
        for pk, partner in cursor.fetchall():
            if pk in seen:
                continue
            seen.update((pk, partner))
            picked.append(pk)
            if len(picked) == size:
                break
    return picked


def step_naive(args) -> dict:
    """(c) claimant_recalculate for each claimant of a sample, in-process; rolled back at the end so the
    caseload is left as it was for (a)."""
    ids = _sample_ids(args.sample, 0.25)
    recalculated = rows = 0
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for pk in ids:
                result = claimant_recalculate(claimant_id=pk, cause=Cause.THRESHOLD)
                recalculated += 1 + (result.partner_result is not None)
                rows += result.rows_written + (
                    result.partner_result.rows_written if result.partner_result else 0
                )
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {
        "calls": len(ids),
        "claimants_recalculated": recalculated,
        "rows_written": rows,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def _snapshot(ids: list[int]) -> dict[int, tuple]:
    return {
        row[0]: row[1:] for row in Claimant.objects.filter(pk__in=ids).values_list("pk", *SNAPSHOT_FIELDS)
    }


def step_agree(args) -> dict:
    """After (a): does the per-claimant engine agree? Recalculate a sample (rolled back) and count claimants for
    which it would write history rows or change the claimant row."""
    ids = _sample_ids(args.sample, 0.75)
    disagree: list[dict] = []
    checked = 0
    try:
        with transaction.atomic():
            for pk in ids:
                partner = Claimant.objects.filter(pk=pk).values_list("partner_id", flat=True).first()
                both = [pk, partner] if partner else [pk]
                before = _snapshot(both)
                result = claimant_recalculate(claimant_id=pk, cause=Cause.THRESHOLD)
                after = _snapshot(both)
                written = result.rows_written + (
                    result.partner_result.rows_written if result.partner_result else 0
                )
                checked += len(both)
                if written or before != after:
                    changed = {
                        name: [str(b), str(a)]
                        for key in both
                        for name, b, a in zip(SNAPSHOT_FIELDS, before[key], after[key], strict=True)
                        if b != a
                    }
                    disagree.append(
                        {
                            "claimant": pk,
                            "rows": written,
                            "fields": changed,
                            "periods": [d.isoformat() for d in result.changed_periods],
                        }
                    )
            raise _Rollback
    except _Rollback:
        pass
    return {"checked": checked, "disagree": len(disagree), "examples": disagree[:5]}


def _start_worker(concurrency: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iwp",
            "worker",
            "--pool",
            "threads",
            "-c",
            str(concurrency),
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        env={**os.environ, "DJANGO_LOG_LEVEL": "WARNING"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _stop_worker(proc: subprocess.Popen, log: Path) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log.read_text(errors="replace") if log.exists() else ""
    log.unlink(missing_ok=True)
    return text[-3000:]


def step_celery(args) -> dict:
    """(d) A real Celery worker: record a changed earnings figure for each of ``args.claimants`` claimants
    through ``claimant_record_earnings`` (which enqueues the recalculation on commit), at ``args.rate`` per second,
    and time commit → the claimant row updated by the worker (its updated_at; the DB is polled to see it)."""
    from claimants.regimes.tasks import recalculate_claimant
    from claimants.services import claimant_record_earnings

    ids = _sample_ids(args.claimants + 2, 0.5)
    warmup, ids = ids[:2], ids[2:]
    log = Path(
        tempfile.mkstemp(prefix="iwp-bench-worker-", suffix=".log", dir=os.environ.get("BENCH_TMP"))[1]
    )
    worker = _start_worker(args.concurrency, log)
    failure = ""
    try:
        ready = time.perf_counter()
        for pk in warmup:  # the first tasks also wait for the worker to boot and connect
            pending = recalculate_claimant.delay(pk, str(Cause.EARNINGS))
            while not pending.ready():
                if worker.poll() is not None:
                    raise RuntimeError(f"the Celery worker exited with status {worker.returncode}")
                if time.perf_counter() - ready > 180:
                    raise TimeoutError("the Celery worker did not run a task within 180 s")
                time.sleep(0.1)
            pending.get(timeout=5)
        boot_seconds = time.perf_counter() - ready
        latest = {
            r.claimant_id: r
            for r in EarningsRecord.objects.filter(claimant_id__in=ids, is_current=True)
            .order_by("claimant_id", "-period_start")
            .distinct("claimant_id")
        }
        claimants = Claimant.objects.in_bulk(ids)
        committed: dict[int, Any] = {}
        seen: dict[int, float] = {}
        done = threading.Event()

        def poll() -> None:
            from django.db import connection as poll_connection

            try:
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    pending = [pk for pk in list(committed) if pk not in seen]
                    if pending:
                        for pk, updated in Claimant.objects.filter(pk__in=pending).values_list(
                            "pk", "updated_at"
                        ):
                            if updated >= committed[pk]:
                                seen[pk] = (updated - committed[pk]).total_seconds()
                    if done.is_set() and len(seen) == len(committed):
                        return
                    time.sleep(0.02)
            finally:
                poll_connection.close()

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        interval = 1 / args.rate
        next_at = time.perf_counter()
        submitted = time.perf_counter()
        for pk in ids:
            record = latest.get(pk)
            if record is None:
                continue
            new = Decimal("0.00") if record.employed_earnings > Decimal(1000) else Decimal("2500.00")
            with transaction.atomic():
                # Registered first, so it runs before the service's own on-commit enqueue: the commit time.
                transaction.on_commit(lambda pk=pk: committed.__setitem__(pk, timezone.now()))
                claimant_record_earnings(
                    claimant=claimants[pk],
                    period_start=record.period_start,
                    employed_earnings=new,
                    self_employed_earnings=record.self_employed_earnings,
                    paydays=1 if new else None,
                    non_uc_partner_employed=record.non_uc_partner_employed,
                    non_uc_partner_self_employed=record.non_uc_partner_self_employed,
                )
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        submit_seconds = time.perf_counter() - submitted
        done.set()
        poller.join(args.timeout + 5)
        drained = time.perf_counter() - submitted
        worker_peak = proc_peak_rss_mb(worker.pid)
    except Exception as exc:  # report it in the table rather than lose the worker's log
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        errors = _stop_worker(worker, log)
    if failure:
        return {"error": failure, "worker_log": errors}
    latencies = sorted(seen.values())

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))]

    return {
        "submitted": len(committed),
        "completed": len(latencies),
        "rate": args.rate,
        "concurrency": args.concurrency,
        "p50": pct(50),
        "p95": pct(95),
        "max": latencies[-1] if latencies else None,
        "mean": statistics.fmean(latencies) if latencies else None,
        "submit_seconds": submit_seconds,
        "drained_seconds": drained,
        "boot_seconds": boot_seconds,
        "worker_peak_rss_mb": worker_peak,
        "worker_stderr": errors if len(latencies) < len(committed) else "",
        "latencies": [round(x, 3) for x in seen.values()],
    }


def _write_feed_csv(path: Path, period: tuple[int, int]) -> int:
    """One new AP per claimant (the one starting in ``period``), straight from the database with COPY."""
    year, month = period
    sql = f"""
        COPY (
            SELECT nino,
                   make_date({year}, {month}, least(assessment_day,
                       extract(day from (make_date({year}, {month}, 1) + interval '1 month - 1 day'))::int)),
                   CASE WHEN self_employed THEN '0.00'
                        ELSE to_char(round((random() * 2800)::numeric, 2), 'FM99990.00') END,
                   CASE WHEN self_employed THEN to_char(round((random() * 1500)::numeric, 2), 'FM99990.00')
                        ELSE '0.00' END,
                   CASE WHEN self_employed THEN NULL ELSE 1 END,
                   'rti',
                   to_char(make_date({year}, {month}, 1) + interval '40 days', 'YYYY-MM-DD"T"07:30:00"Z"'),
                   CASE WHEN has_non_uc_partner THEN to_char(round((random() * 2000)::numeric, 2), 'FM99990.00') END,
                   CASE WHEN has_non_uc_partner THEN '0.00' END
            FROM claimants_claimant ORDER BY id
        ) TO STDOUT WITH (FORMAT csv)
    """
    header = [
        "nino",
        "period_start",
        "employed_gross",
        "self_employed_gross",
        "paydays",
        "source",
        "received_at",
        "partner_employed_gross",
        "partner_self_employed_gross",
    ]
    connection.ensure_connection()
    raw = connection.connection  # psycopg 3 connection under Django
    with open(path, "w", newline="") as out:
        csv.writer(out).writerow(header)
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for block in copy:
                out.write(bytes(block).decode())
    return count_rows("SELECT count(*) FROM claimants_claimant")


def step_ingest(args) -> dict:
    """(e) ingest_earnings of N rows (one new AP per claimant) from a CSV file, recalculate=False."""
    try:
        feed = importlib.import_module("claimants.earnings.feed")
    except ModuleNotFoundError as exc:
        if exc.name != "claimants.earnings.feed":
            raise
        return {"available": False}
    if not hasattr(feed, "ingest_earnings"):
        return {"available": False}
    tmp = Path(tempfile.mkdtemp(prefix="iwp-bench-feed-", dir=os.environ.get("BENCH_TMP")))
    path = tmp / "earnings.csv"
    try:
        rows = _write_feed_csv(path, (2026, 11))
        size_mb = path.stat().st_size / 1e6
        rss_start = rss_now_mb()
        started = time.perf_counter()
        result = call_with(
            feed.ingest_earnings, source=str(path), fmt="csv", actor=None, strict=False, recalculate=False
        )
        seconds = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
        tmp.rmdir()
    counts = result.counts() if hasattr(result, "counts") else jsonable(result)
    return {
        "available": True,
        "rows": rows,
        "file_mb": size_mb,
        "seconds": seconds,
        "counts": jsonable(counts),
        "timings": jsonable(getattr(result, "timings", {})),
        "rss_start_mb": rss_start,
        "peak_rss_mb": peak_rss_mb(),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
        "runs": len(ordered),
    }


def step_provision(args) -> dict:
    """(f) Find provision for a shift worker with ``--offers`` offers in the district: server time of the bare
    selector loading the list (the floor), of the search without its per-process cache (every search a miss)
    and with it (the list unchanged since the last search), and of the whole page (view and template, cache
    warm), p50/p95 over ``--runs`` runs, with the number of queries each makes. Everything is rolled back."""
    import random
    from datetime import time as t

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client, override_settings

    from claimants.models import BusyTime
    from iwp.models import District, Jobcentre, Role, StaffMember, Team
    from provision import selectors
    from provision.models import Category, Provider, ProvisionOffer, Session

    rng = random.Random(args.seed if hasattr(args, "seed") else 2026)
    areas = ["LS1", "LS2", "LS6", "LS9", "LS11", "BD1", "BD3", "WF1", "HX1", "B1", "M1", "S1"]
    categories = [c for c, _ in Category.choices]
    out: dict[str, Any] = {"available": True, "offers": args.offers}
    # The test client's requests would close the connection (and lose the uncommitted data) without this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            transaction.atomic(),
            override_settings(
                STORAGES={
                    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                },
                ALLOWED_HOSTS=["*"],
            ),
        ):
            district = District.objects.create(name=f"Bench provision {time.time_ns()}")
            jobcentre = Jobcentre.objects.create(
                district=district, name=f"Bench JC {time.time_ns()}", postcode="LS1 4HR"
            )
            team = Team.objects.create(jobcentre=jobcentre, name="Bench team")
            coach = StaffMember.objects.create(
                username=f"bench.coach.{time.time_ns()}", role=Role.WORK_COACH, jobcentre=jobcentre, team=team
            )
            claimant = Claimant.objects.create(
                nino="AB999999C",
                first_name="Shona",
                last_name="Shift",
                date_of_birth=date(1990, 5, 1),
                jobcentre=jobcentre,
                coach=coach,
                postcode="LS9 8AG",
                current_regime="working_enough",
            )
            facts_first_version(claimant=claimant)
            for day in (0, 1, 3):
                BusyTime.objects.create(
                    claimant=claimant, kind="work", weekday=day, starts_at=t(9), ends_at=t(17)
                )
            BusyTime.objects.create(
                claimant=claimant, kind="caring", weekday=2, starts_at=t(15), ends_at=t(16)
            )
            providers = Provider.objects.bulk_create(
                [Provider(district=district, name=f"Provider {i}") for i in range(300)]
            )
            offers = []
            for i in range(args.offers):
                mode = rng.choices(["in_person", "online", "blended"], [6, 3, 1])[0]
                offers.append(
                    ProvisionOffer(
                        district=district,
                        provider=providers[i % len(providers)],
                        natural_key=f"id:bench-{i}",
                        name=f"Offer {i}",
                        category=rng.choice(categories),
                        barriers=rng.sample(["skills", "esol", "childcare", "transport", "confidence"], 2),
                        regimes=["intensive_work_search", "light_touch"] if rng.random() < 0.1 else [],
                        min_age=rng.choice([None, None, 16, 18, 19]),
                        max_age=rng.choice([None] * 9 + [24]),
                        delivery_mode=mode,
                        self_paced=mode == "online" and rng.random() < 0.3,
                        postcode=f"{rng.choice(areas)} {rng.randint(1, 9)}AA",
                        review_by=date(2027, 6, 1),
                    )
                )
            ProvisionOffer.objects.bulk_create(offers, batch_size=1000)
            sessions = []
            for offer in offers:
                if offer.self_paced:
                    continue
                for _ in range(rng.randint(0, 3)):
                    start = rng.randint(8, 19)
                    sessions.append(
                        Session(
                            offer=offer,
                            weekday=rng.randint(0, 6),
                            starts_at=t(start),
                            ends_at=t(min(start + rng.randint(1, 3), 23)),
                        )
                    )
            Session.objects.bulk_create(sessions, batch_size=2000)
            out["sessions"] = len(sessions)
            cursor = connection.cursor()
            cursor.execute("ANALYZE provision_provisionoffer; ANALYZE provision_session")

            client = Client()
            client.force_login(coach)
            url = f"/provision/claimants/{claimant.pk}/find/"

            def timed(fn) -> tuple[dict[str, float], int]:
                for _ in range(3):
                    fn()  # warm-up
                # Counted with an execute wrapper: a request resets CaptureQueriesContext's log when it starts.
                counted: list[str] = []

                def count(execute, sql, params, many, context):
                    counted.append(sql)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    fn()
                samples = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    fn()
                    samples.append(time.perf_counter() - started)
                return _percentiles(samples), len(counted)

            district_id = district.pk
            out["selector"], out["selector_queries"] = timed(
                lambda: selectors.offers_for_search(district_id, use_cache=False)
            )
            out["search_cold"], out["search_cold_queries"] = timed(
                lambda: selectors.find_provision(claimant=claimant, use_cache=False)
            )
            out["search"], out["search_queries"] = timed(lambda: selectors.find_provision(claimant=claimant))
            fits, _check, excluded, _ = selectors.find_provision(claimant=claimant)
            out["fits"], out["excluded"] = len(fits), len(excluded)

            def page() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            out["page"], out["page_queries"] = timed(page)
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def step_dashboard(args) -> dict:
    """Team dashboards (issue #6): casework seed, nightly summary, team and district page times, CSV export."""
    from tests.bench import dashboard

    return dashboard.run(args.reps)


def step_search(args) -> dict:
    """Caseload search (issue #17): six searches in a coach's caseload, their office and nationally, against the
    old query, in the same run."""
    from tests.bench import search

    return search.run(args.runs)


STEPS = {
    "dashboard": step_dashboard,
    "search": step_search,
    "prepare": step_prepare,
    "baseline": step_baseline,
    "floor_first": step_floor_first,
    "preview": step_preview,
    "uprating": step_uprating,
    "floor": step_floor,
    "floor_history": step_floor_history,
    "correct": step_correct,
    "uprating_full": step_uprating_full,
    "floor_full": step_floor_full,
    "naive": step_naive,
    "snapshot": step_snapshot,
    "undo": step_undo,
    "agree": step_agree,
    "agree_full": step_agree,
    "celery": step_celery,
    "ingest": step_ingest,
    "provision": step_provision,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one bench step; prints JSON on the last line.")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--claimants", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="earnings changes per second for (d)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--effective-from", type=date.fromisoformat, default=None)
    parser.add_argument("--offers", type=int, default=5_000, help="offers in the district for (f)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs for (f)")
    parser.add_argument("--reps", type=int, default=40, help="dashboard requests timed per view")
    parser.add_argument("--job-id", type=int, default=None, help="the job to undo (undo)")
    args = parser.parse_args(argv)
    out = STEPS[args.step](args)
    connection.close()
    print(json.dumps(jsonable(out)))


if __name__ == "__main__":
    main()
