"""``make bench``: seed a national-scale caseload and print ONE Markdown table (also written to
``bench-results/latest.md``). Run through ``scripts/bench.sh``, which provides PostgreSQL, Redis and a freshly
migrated database; by hand: ``DATABASE_URL=… REDIS_URL=… python -m tests.bench.run --quick``.

Order of the steps, each measured in its own process (so peak RSS is the step's own):

1. seed (COPY) N claimants × 12 APs of earnings (November 2025 … October 2026);
2. (a₀) the first full calculation: the uprating run once from the earliest AP on a caseload with no history, so
   every AP gets a history row; then its floor (one statement deciding every AP and writing one row per AP);
3. a hypothetical threshold change is inserted, effective for the latest AP (AET 20 h / 31 h × £12.71 and wage rates
   +2.5% from 1 October 2026), so that a realistic share of claimants' current regime moves;
4. (c) the naive per-claimant ORM loop on a sample (rolled back, so the scenarios still have all the work to do);
5. (i) a real uprating: the job from 1 October 2026, then its floor deciding the same APs (each claimant's latest)
   and writing their outcomes, then the same floor writing them as history rows instead (rolled back); an
   agreement check on a sample (rolled back);
6. (ii) a full re-decision: a correction to the AET row in force at the earliest AP, the job from that AP, its floor
   (every AP), and an agreement check again. Each job and floor reports wall and CPU seconds (this process and
   the PostgreSQL server), APs decided, rows written and WAL bytes;
7. (d) per-claimant latency through a real Celery worker after an earnings change;
8. (e) ingest of N earnings rows (one new AP per claimant) from CSV, recalculate=False;
9. (f) provision search for a shift worker among ``--offers`` (5,000) offers in one district (self-contained,
   rolled back; needs no seeded caseload: ``python -m tests.bench.run --skip-seed --steps provision``).
10. team dashboards (issue #6, ``tests.bench.dashboard``): casework seed, nightly summary, team and district views'
   server time against a count(*) baseline, the district's streamed CSV export.
11. caseload search (issue #17, ``tests.bench.search``): six searches in a coach's caseload, their office and
   nationally, against the old search query, median and p95 (every row: ``python -m tests.bench.search``).

With ``--repeat N`` each job, each floor and the preview run N times and the median run is reported beside every
run's seconds; a job is undone between its runs (steps ``snapshot`` and ``undo``).

While ``claimants.regimes.uprating`` or ``claimants.earnings.feed`` is missing, their rows print "not available yet".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from tests.bench import seed as seeding
from tests.bench.db import conninfo

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results" / "latest.md"
QUICK_CLAIMANTS = 50_000
RATIO_TO_FLOOR_TARGET = 2.0
SPEEDUP_TARGET = 30.0
RSS_GROWTH_LIMIT_MB = 256
NOT_AVAILABLE = "not available yet"
STEP_ORDER = (
    "baseline",
    "floor_first",
    "prepare",
    "naive",
    "preview",
    "uprating",
    "floor",
    "floor_history",
    "agree",
    "correct",
    "uprating_full",
    "floor_full",
    "agree_full",
    "celery",
    "ingest",
    "provision",
    "dashboard",
    "search",
)
PROVISION_TARGET_MS = 200


def fmt_int(n: float | int) -> str:
    return f"{round(n):,}"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min ({s:,.0f} s)"
    return f"{s / 3600:.1f} h ({s:,.0f} s)"


def fmt_mb(mb: float | None) -> str:
    return "–" if mb is None else f"{mb:,.0f} MB"


def run_step(step: str, *options: str) -> dict:
    """Run ``tests.bench.steps STEP`` in a fresh process; its last stdout line is JSON."""
    print(f"  … {step}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.steps", step, *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        print(proc.stdout[-3000:], file=sys.stderr)
        return {"error": f"step {step} failed (exit {proc.returncode})"}
    out = json.loads(lines[-1])
    out.setdefault("wall_seconds", time.perf_counter() - started)
    return out


# Steps that write much (a job or a floor), and the tables they write. Before the next step is measured these are
# vacuumed and analysed, as the seed leaves its tables: otherwise autovacuum's catch-up on the 12,000,000 rows a
# step wrote runs inside the next step's figures (a read-only preview once took 12.2 s and wrote 17 MB of WAL,
# against 9.3 s and 1 MB in the run before) and inside the floor measured after its job.
WRITES = {
    "baseline": ("claimants_regimeassessment", "claimants_claimant"),
    "floor_first": ("iwp_floor_outcome",),
    "uprating": ("claimants_regimeassessment", "claimants_claimant"),
    "floor": ("iwp_floor_outcome",),
    # Rolled back, but its 1,000,000 dead history rows are vacuumed before the next step.
    "floor_history": ("claimants_regimeassessment",),
    "uprating_full": ("claimants_regimeassessment", "claimants_claimant"),
    "floor_full": ("iwp_floor_outcome",),
}


# With --repeat N, these are measured N times and the median run is reported, with every run's seconds beside it:
# one run cannot tell a target missed by 2% from the machine's own 10-25% swings between runs of the same code.
# A job changes the data it runs on, so before its first run the claimant rows it writes are kept (step snapshot)
# and between runs it is undone (step undo: its history rows and moves deleted, the claimant rows put back) and the
# tables settled again; the floors and the preview leave the data as they found it.
JOBS = ("baseline", "uprating", "uprating_full")
REPEATABLE = (*JOBS, "floor_first", "preview", "floor", "floor_history", "floor_full")


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall seconds (the lower of the middle two for an even count), with every run's
    wall and CPU seconds in the order run."""
    chosen = sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]
    return {
        **chosen,
        "runs_seconds": [run["seconds"] for run in runs],
        "runs_cpu_seconds": [run.get("cpu_seconds") for run in runs],
    }


def repeated(step: str, options: list[str], times: int, url: str) -> dict:
    """Run ``step`` ``times`` times (undoing a job between its runs) and return the median run, or the error."""
    runs: list[dict] = []
    for attempt in range(times):
        if step in JOBS and times > 1:
            if attempt == 0:
                prepared = run_step("snapshot")
            else:
                prepared = run_step("undo", "--job-id", str(runs[-1]["info"]["job_id"]))
                settle(url, WRITES[step])
            if "error" in prepared:
                return prepared
        out = run_step(step, *options)
        if "error" in out or "seconds" not in out:
            return out
        if step in WRITES:
            print(f"    settling {', '.join(WRITES[step])}…", file=sys.stderr, flush=True)
            out["settled_after_seconds"] = round(settle(url, WRITES[step]), 1)
        runs.append(out)
    return median_run(runs)


def runs_note(step: dict) -> str:
    """' (median of 3 runs: 10.1 s, 9.8 s, 9.9 s)' for a repeated step, '' for a single run."""
    runs = step.get("runs_seconds") or []
    if len(runs) < 2:
        return ""
    return f" (median of {len(runs)} runs: {', '.join(fmt_seconds(s) for s in runs)})"


def settle(url: str, tables: tuple[str, ...]) -> float:
    """VACUUM (ANALYZE) what a step wrote, then a checkpoint and a sync; returns the seconds it took (not in any figure). A
    database user without the rights (VACUUM needs the owner, CHECKPOINT a superuser or pg_checkpoint) gets a
    warning and an unsettled run, not a failed one."""
    started = time.perf_counter()
    try:
        with psycopg.connect(conninfo(url), autocommit=True) as conn:
            for table in tables:
                if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is not None:
                    conn.execute(f"VACUUM (ANALYZE) {table}")
            conn.execute("CHECKPOINT")
    except psycopg.Error as error:
        print(f"    not settled ({error}); the next step may measure autovacuum too", file=sys.stderr)
    # The checkpoint leaves gigabytes of dirty pages to the kernel (fsync is off in the throwaway cluster), to be
    # written back during the next step: the likeliest reason one 50,000-claimant first calculation took 92 s, not
    # 8.5 s, right after a 1M run.
    os.sync()
    return time.perf_counter() - started


# A fixed, CPU-bound statement in one PostgreSQL backend, touching no table: its seconds say how fast the machine
# was at that moment, so runs on different days can be compared by it. The same code's first calculation took
# 176 s in one run and 144 s an hour later (issue #13, eighth stop).
REFERENCE_QUERY = "SELECT count(*) FROM generate_series(1, 3000000) g WHERE hashint8(g) % 7 = 0"


def reference_seconds(url: str, runs: int = 3) -> float:
    """The median of ``runs`` timings of REFERENCE_QUERY (the machine's speed now; smaller is faster)."""
    timings = []
    with psycopg.connect(conninfo(url)) as conn:
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(REFERENCE_QUERY)
            timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2]


def reference_line(start: float, end: float) -> str:
    """The machine's speed at the start and the end of the run, for comparing runs."""
    return (
        f"Reference query (a fixed CPU-bound statement, no table; compare runs by it, smaller is faster): "
        f"{start * 1000:,.0f} ms at the start, {end * 1000:,.0f} ms at the end."
    )


def machine_info(url: str) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with psycopg.connect(conninfo(url)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in (
                "shared_buffers",
                "work_mem",
                "maintenance_work_mem",
                "max_wal_size",
                "fsync",
                "synchronous_commit",
                "full_page_writes",
                "max_parallel_workers_per_gather",
            )
        }
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gb": mem_gb,
        "pg_version": version,
        "pg": settings,
        "python": platform.python_version(),
        "load": os.getloadavg(),
        "reference_seconds": reference_seconds(url),
        "throwaway": bool(os.environ.get("BENCH_THROWAWAY_PG")),
    }


def existing_claimants(url: str) -> int:
    with psycopg.connect(conninfo(url)) as conn:
        return conn.execute("SELECT count(*) FROM claimants_claimant").fetchone()[0]


def uprating_summary(up: dict, n: int) -> str:
    parts = [f"{fmt_seconds(up['seconds'])}", f"{fmt_int(n / up['seconds'])} claimants/s"]
    if up.get("periods") is not None:
        parts.append(f"{fmt_int(up['periods'])} APs decided")
    if up.get("rows_written") is not None:
        parts.append(f"{fmt_int(up['rows_written'])} history rows written")
    moved = up.get("claimants_moved")
    if moved is not None:
        parts.append(f"{fmt_int(moved)} claimants' current regime changed ({100 * moved / n:.1f}%)")
    parts.append(f"{fmt_int(up['cycling'])} flagged cycling")
    return " · ".join(parts)


SCENARIOS = (
    # key, job step, floor step, label, seconds target
    (
        "real_uprating",
        "uprating",
        "floor",
        "(i) A real uprating: new rows effective from the latest AP",
        20.0,
    ),
    (
        "full_redecision",
        "uprating_full",
        "floor_full",
        "(ii) A full re-decision: a correction from the earliest AP",
        60.0,
    ),
    (
        "first_full_calculation",
        "baseline",
        "floor_first",
        "(a₀) The first full calculation: every AP gets a history row",
        120.0,
    ),
)


def _figures(step: dict) -> dict:
    keys = (
        "aps_decided",
        "rows_written",
        "seconds",
        "cpu_seconds",
        "client_cpu_seconds",
        "server_cpu_seconds",
        "wal_bytes",
        "peak_rss_mb",
        "runs_seconds",
    )
    return {key: step.get(key) for key in keys}


def run_reference(info: dict) -> float | None:
    """The run's reference query in seconds: the mean of its timings at the start and the end (either alone when
    the other is missing); None when neither was taken."""
    timings = [info[k] for k in ("reference_seconds", "reference_seconds_end") if info.get(k)]
    return sum(timings) / len(timings) if timings else None


def _in_references(figures: dict, reference: float | None) -> dict:
    """The figures with their seconds also counted in reference queries (seconds ÷ the run's reference query):
    a figure of a slow hour and one of a fast hour can be compared by it."""
    if reference and figures.get("seconds") is not None:
        return {**figures, "reference_queries": figures["seconds"] / reference}
    return figures


def scenario_figures(r: dict[str, dict], reference: float | None = None) -> dict:
    """For latest.json: each scenario's job and floor figures side by side, in seconds and (given the run's
    reference query) in reference queries."""
    out = {}
    for key, job, floor, label, target in SCENARIOS:
        if "seconds" not in r.get(job, {}):
            continue
        out[key] = {
            "label": label,
            "target_seconds": target,
            "target_ratio_to_floor": RATIO_TO_FLOOR_TARGET,
            **_in_references(_figures(r[job]), reference),
            "settled": r[job].get("settled"),
            "floor": _in_references(_figures(r.get(floor, {})), reference),
        }
        if job == "uprating" and "seconds" in r.get("floor_history", {}):
            out[key]["floor_writing_history"] = _in_references(_figures(r["floor_history"]), reference)
    return out


def reference_scale_line(scenarios: dict, reference: float | None) -> str | None:
    """Each scenario's job and floor in reference queries, for comparing this run with one on another hour."""
    if not reference or not scenarios:
        return None
    parts = []
    for figures in scenarios.values():
        text = f"{figures['label'].split(' ', 1)[0]} job {figures['reference_queries']:,.0f}"
        if figures["floor"].get("reference_queries") is not None:
            text += f", floor {figures['floor']['reference_queries']:,.0f}"
        parts.append(text)
    return (
        f"In reference queries (seconds ÷ this run's reference query, {reference * 1000:,.0f} ms; the same figure "
        f"on a slower or faster hour): " + " · ".join(parts) + "."
    )


def scenario(r: dict[str, dict]) -> str:
    base = r.get("baseline", {})
    if base.get("available"):
        regimes = base.get("regimes") or {}
        total = sum(regimes.values()) or 1
        mix = ", ".join(f"{name or 'none'} {100 * count / total:.0f}%" for name, count in regimes.items())
        history = f"Caseload mix after (a₀): {mix}."
    else:
        history = "The uprating module is not available yet."
    return (
        "Scenarios: (a₀) the uprating from the earliest AP (1 November 2025) on a caseload with no history; "
        "(i) a hypothetical AET row (20 h single / 31 h couple × £12.71) and wage rates +2.5%, both effective "
        "1 October 2026 (the latest seeded AP), then the uprating from that date; (ii) a correction to the AET row "
        "in force on 1 November 2025 (1p on the hourly rate), then the uprating from 1 November 2025, so every AP "
        "of every claimant is decided again. Each floor is one hand-written statement that decides exactly the "
        "APs the job must decide (from the change on) and writes one outcome row per AP (`classify_floor_sql`), "
        f"run after the job on the same data. After each job and each floor the tables it wrote are vacuumed and "
        f"analysed (not timed), so the next step does not measure autovacuum's catch-up. CPU = this process "
        f"(every thread) + the PostgreSQL server's processes. {history} Reproduce: `make bench` (or `scripts/bench.sh --quick`)."
    )


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("✅ meets" if ok else "❌ misses")


def worker_rows(cel: dict) -> list[tuple[str, str, str, str]]:
    """Line (d): the real worker's latency and memory; "skipped" when --steps left the step out."""
    rows: list[tuple[str, str, str, str]] = []
    if "p50" in cel and cel.get("completed"):
        rows.append(
            (
                f"(d) Per-claimant recalculation through a real Celery worker (threads × {cel['concurrency']}) after "
                f"`claimant_record_earnings`, {fmt_int(cel['submitted'])} claimants at {cel['rate']:g}/s: commit → "
                "claimant row updated",
                f"p50 {fmt_seconds(cel['p50'])} · p95 {fmt_seconds(cel['p95'])} · max {fmt_seconds(cel['max'])} "
                f"({cel['completed']}/{cel['submitted']} seen)",
                "– (no target set)",
                "–",
            )
        )
        rows.append(
            (
                "(d) Peak RSS of the Celery worker (VmHWM)",
                fmt_mb(cel.get("worker_peak_rss_mb")),
                "– (no target set)",
                "–",
            )
        )
    else:
        # A step left out (--steps) says so, not that the worker saw nothing.
        failed = cel.get("error", "no claimant seen updated")
        result = f"{failed} (worker log in bench-results/latest.json)" if cel else "skipped"
        rows.append(("(d) Per-claimant recalculation through a real Celery worker", result, "", "–"))
    return rows


def build_table(n: int, info: dict, seed: dict | None, r: dict[str, dict], args) -> str:
    rows: list[tuple[str, str, str, str]] = []
    if seed:
        rows.append(
            (
                f"Seed: {fmt_int(seed['claimants'])} claimants + {fmt_int(seed['earnings_rows'])} earnings rows "
                f"({fmt_int(seed['coaches'])} coaches), COPY with {seed['workers']} loaders",
                f"{fmt_seconds(seed['copy_seconds'])} + VACUUM (FREEZE, ANALYZE) {fmt_seconds(seed['vacuum_seconds'])} · "
                f"{fmt_int(seed['earnings_rows'] / seed['copy_seconds'])} earnings rows/s",
                "a few minutes for 1M",
                "–",
            )
        )

    naive = r.get("naive", {})
    naive_ok = "seconds" in naive and naive.get("claimants_recalculated")
    per_claimant = naive["seconds"] / naive["claimants_recalculated"] if naive_ok else None
    extrapolated = per_claimant * n if per_claimant else None
    full = r.get("uprating_full", {})
    speedup = extrapolated / full["seconds"] if extrapolated and "seconds" in full else None
    speed_verdict = verdict(None if speedup is None else speedup >= SPEEDUP_TARGET)
    for _key, job_step, floor_step, label, target in SCENARIOS:
        job, floor = r.get(job_step, {}), r.get(floor_step, {})
        if "seconds" not in job:
            rows.append((label, job.get("error", NOT_AVAILABLE), f"≤ {target:g} s", "–"))
            continue
        ratio = job["seconds"] / floor["seconds"] if "seconds" in floor else None
        per_ap = (
            (job["cpu_seconds"] / job["aps_decided"]) / (floor["cpu_seconds"] / floor["aps_decided"])
            if "cpu_seconds" in floor and job.get("aps_decided") and floor.get("aps_decided")
            else None
        )
        settled = (
            f" ({fmt_int(job['settled'])} claimants settled from the change on)" if job.get("settled") else ""
        )
        result = (
            f"job {fmt_seconds(job['seconds'])} wall{runs_note(job)}, {job['cpu_seconds']:,.1f} CPU-s "
            f"({job['client_cpu_seconds']:,.1f} client + {job['server_cpu_seconds'] or 0:,.1f} server) · "
            f"{fmt_int(job['aps_decided'] or 0)} APs decided{settled} · {fmt_int(job['rows_written'] or 0)} rows "
            f"written · WAL {fmt_mb(job['wal_bytes'] / 2**20)} · {fmt_int(job.get('claimants_moved') or 0)} "
            f"claimants' regime changed · {fmt_int(job.get('cycling') or 0)} flagged cycling · peak RSS "
            f"{fmt_mb(job['peak_rss_mb'])} (+{fmt_mb(job['peak_rss_mb'] - job['rss_start_mb'])})"
        )
        if "seconds" in floor:
            result += (
                f"<br>floor {fmt_seconds(floor['seconds'])} wall{runs_note(floor)}, {floor['cpu_seconds']:,.1f} CPU-s · "
                f"{fmt_int(floor['aps_decided'])} APs decided · {fmt_int(floor['rows_written'])} rows written · "
                f"WAL {fmt_mb(floor['wal_bytes'] / 2**20)}<br>job/floor: {ratio:.2f}× wall"
                + (f", {per_ap:.2f}× CPU per AP" if per_ap else "")
            )
        written = r.get("floor_history", {}) if job_step == "uprating" else {}
        if "seconds" in written and "seconds" in floor:
            # The floor's decisions written as the job writes them (history rows, their indexes, the explanation),
            # rolled back: splits job/floor into what writing history costs and what the job's pipeline costs.
            result += (
                f"<br>floor writing history (rolled back) {fmt_seconds(written['seconds'])} wall{runs_note(written)}, "
                f"{written['cpu_seconds']:,.1f} CPU-s, WAL {fmt_mb(written['wal_bytes'] / 2**20)}: "
                f"{written['seconds'] / floor['seconds']:.2f}× the floor; the job is "
                f"{job['seconds'] / written['seconds']:.2f}× it"
            )
        ok = job["seconds"] <= target and (ratio is None or ratio <= RATIO_TO_FLOOR_TARGET)
        rows.append(
            (
                label,
                result,
                f"≤ {target:g} s and ≤ {RATIO_TO_FLOOR_TARGET:g}× its floor",
                f"{verdict(job['seconds'] <= target)} time · {verdict(None if ratio is None else ratio <= RATIO_TO_FLOOR_TARGET)} floor"
                if not ok
                else verdict(True),
            )
        )
    preview = r.get("preview", {})
    if "seconds" in preview:
        rows.append(
            (
                "Uprating preview for (i) (`uprating_preview`: who would move; decides the APs from the change on)",
                f"{fmt_seconds(preview['seconds'])} wall{runs_note(preview)}, {preview['cpu_seconds']:,.1f} CPU-s · "
                f"{fmt_int(preview['info']['periods'])} APs decided · {fmt_int(preview['info']['moving'])} would move",
                "< 10 s",
                verdict(preview["seconds"] < 10),
            )
        )
    up = r.get("uprating", {})
    if "peak_rss_mb" in up:
        growth = max(
            r.get(step, {}).get("peak_rss_mb", 0) - r.get(step, {}).get("rss_start_mb", 0)
            for step in ("baseline", "uprating", "uprating_full")
        )
        rows.append(
            (
                "Peak RSS growth of the job's process (`ru_maxrss`), worst of the three runs",
                f"+{fmt_mb(growth)}",
                f"caseload not loaded into memory: < {RSS_GROWTH_LIMIT_MB} MB growth",
                verdict(growth < RSS_GROWTH_LIMIT_MB),
            )
        )

    if naive_ok:
        history = (
            "with a history to compare" if r.get("baseline", {}).get("available") else "from an empty history"
        )
        rows.append(
            (
                f"(c) Naive per-claimant ORM loop (`claimant_recalculate`), {fmt_int(naive['calls'])}-claimant sample "
                f"({history}), extrapolated to N",
                f"{per_claimant * 1000:.1f} ms/claimant ({fmt_int(naive['claimants_recalculated'])} recalculated incl. "
                f"partners in {fmt_seconds(naive['seconds'])}) → {fmt_seconds(extrapolated)} for N"
                + (f" · (a) is {speedup:,.0f}× faster" if speedup else ""),
                f"(a) ≥ {SPEEDUP_TARGET:g}× faster",
                speed_verdict,
            )
        )
    else:
        rows.append(("(c) Naive per-claimant ORM loop", naive.get("error", "skipped"), "", "–"))

    for name, after in (("agree", "(i)"), ("agree_full", "(ii)")):
        agreed = r.get(name, {})
        if "checked" in agreed:
            rows.append(
                (
                    f"Agreement after {after}: `claimant_recalculate` on a {fmt_int(agreed['checked'])}-claimant "
                    "sample (rolled back) finds nothing to change",
                    f"{fmt_int(agreed['checked'] - agreed['disagree'])} of {fmt_int(agreed['checked'])} unchanged",
                    "all unchanged",
                    verdict(agreed["disagree"] == 0),
                )
            )

    rows.extend(worker_rows(r.get("celery", {})))

    ing = r.get("ingest", {})
    if ing.get("available") and "seconds" in ing:
        c = ing["counts"]
        t = ing.get("timings", {})
        phases = " / ".join(f"{k} {fmt_seconds(v)}" for k, v in t.items() if k != "total")
        rows.append(
            (
                f"(e) Earnings ingest (`ingest_earnings`, CSV, recalculate=False), {fmt_int(ing['rows'])} rows "
                f"({ing['file_mb']:.0f} MB)",
                f"{fmt_seconds(ing['seconds'])} · {fmt_int(ing['rows'] / ing['seconds'])} rows/s · "
                f"{fmt_int(c.get('applied', 0))} applied, {fmt_int(c.get('rejected', 0))} rejected · {phases} · "
                f"peak RSS {fmt_mb(ing['peak_rss_mb'])}",
                "– (no target set)",
                "–",
            )
        )
    else:
        rows.append(
            (
                "(e) Earnings ingest (`ingest_earnings`, CSV, recalculate=False)",
                ing.get("error", NOT_AVAILABLE),
                "",
                "–",
            )
        )

    prov = r.get("provision", {})
    if prov.get("available") and "search" in prov:

        def pct(key: str) -> str:
            return f"p50 {prov[key]['p50_ms']:.0f} ms / p95 {prov[key]['p95_ms']:.0f} ms"

        rows.append(
            (
                f"(f) Find provision for a shift worker, {fmt_int(prov['offers'])} offers "
                f"({fmt_int(prov['sessions'])} sessions) in the district, {prov['search']['runs']} runs",
                f"search {pct('search')} ({prov['search_queries']} queries; list unchanged since the last search) · "
                f"cache miss {pct('search_cold')} ({prov['search_cold_queries']} queries) · bare selector "
                f"{pct('selector')} ({prov['selector_queries']} queries) · whole page {pct('page')} "
                f"({prov['page_queries']} queries) · {fmt_int(prov['fits'])} fit, {fmt_int(prov['excluded'])} excluded",
                f"< {PROVISION_TARGET_MS} ms server time",
                verdict(prov["search"]["p50_ms"] < PROVISION_TARGET_MS),
            )
        )
    elif "provision" in r:
        rows.append(("(f) Find provision (5,000 offers)", prov.get("error", NOT_AVAILABLE), "", "–"))
    board = r.get("dashboard", {})
    if "team" in board:
        from tests.bench.dashboard_table import table as dashboard_table

        rows += [
            tuple(cell.strip() for cell in line.strip("|").split(" | "))
            for line in dashboard_table(board).splitlines()[2:]
        ]
    elif "error" in board:
        rows.append(("Team dashboards (issue #6)", board["error"], "", "–"))
    found = r.get("search", {})
    if "results" in found:
        from tests.bench.search import summary_row

        rows.append(summary_row(found))
    elif "error" in found:
        rows.append(("Caseload search (issue #17)", found["error"], "", "–"))

    pg = info["pg"]
    tuned = (
        f"shared_buffers {pg['shared_buffers']}, work_mem {pg['work_mem']}, maintenance_work_mem "
        f"{pg['maintenance_work_mem']}, max_wal_size {pg['max_wal_size']}, fsync {pg['fsync']}, "
        f"synchronous_commit {pg['synchronous_commit']}, full_page_writes {pg['full_page_writes']}"
    )
    lines = [
        f"## Benchmark: {fmt_int(n)} claimants ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['mem_gb']:.0f} GB RAM · PostgreSQL "
        f"{info['pg_version']} ({'throwaway cluster started by scripts/bench.sh' if info['throwaway'] else 'given by DATABASE_URL'}; "
        f"{tuned}) · Python {info['python']} · load average {info['load'][0]:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows every figure).",
    ]
    if "reference_seconds_end" in info:
        lines.append(reference_line(info["reference_seconds"], info["reference_seconds_end"]))
    reference = run_reference(info)
    scaled = reference_scale_line(scenario_figures(r, reference), reference)
    if scaled:
        lines.append(scaled)
    if pg["fsync"] == "off" or pg["synchronous_commit"] == "off":
        lines.append(
            "**fsync / synchronous_commit are OFF: acceptable for a throwaway benchmark cluster only; "
            "production figures will be somewhat slower on writes.**"
        )
    lines += [
        "",
        "| Measure | Result | Target | Verdict |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        "",
        scenario(r),
    ]
    for key, label in (("baseline", "(a₀)"), ("uprating", "(i)"), ("uprating_full", "(ii)")):
        steps = (r.get(key, {}).get("info") or {}).get("step_seconds")
        if steps:
            top = sorted(steps.items(), key=lambda kv: -kv[1])
            lines.append(
                f"\n{label} time by step, summed over chunks and workers: "
                + ", ".join(f"{name} {fmt_seconds(sec)}" for name, sec in top)
                + "."
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="IWP Casework benchmarks: prints one Markdown table.")
    parser.add_argument(
        "--claimants", type=int, default=1_000_000, help="caseload size N (default 1,000,000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_CLAIMANTS:,} claimants and smaller samples"
    )
    parser.add_argument(
        "--sample", type=int, default=None, help="(c) sample size (default 10,000; 2,000 quick)"
    )
    parser.add_argument("--celery-claimants", type=int, default=None, help="(d) claimants (200; 100 quick)")
    parser.add_argument(
        "--celery-rate",
        type=float,
        default=2.0,
        help="(d) earnings changes per second, open loop (default 2/s: well below the worker's capacity, so the "
        "figure is latency rather than queueing)",
    )
    parser.add_argument(
        "--agree-sample", type=int, default=None, help="agreement check sample (500; 200 quick)"
    )
    parser.add_argument(
        "--skip-seed", action="store_true", help="reuse the claimants already in the database"
    )
    parser.add_argument("--offers", type=int, default=5_000, help="(f) offers in the district (5,000)")
    parser.add_argument("--seed", type=int, default=20261031)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--steps", default=",".join(STEP_ORDER), help="comma-separated subset of the steps")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each job, floor and the preview N times and report the median run (default 1)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.quick and args.claimants == parser.get_default("claimants"):
        args.claimants = QUICK_CLAIMANTS
    sample = args.sample or (2_000 if args.quick else 10_000)
    agree_sample = args.agree_sample or (200 if args.quick else 500)
    celery_claimants = args.celery_claimants or (100 if args.quick else 200)
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The bench needs PostgreSQL: run scripts/bench.sh (or set DATABASE_URL to a migrated database)."
        )
    if not os.environ.get("REDIS_URL"):
        sys.exit("The bench needs Redis for the Celery step: run scripts/bench.sh (or set REDIS_URL).")

    info = machine_info(url)
    seed_out = None
    if args.skip_seed:
        n = existing_claimants(url)
    else:
        print(f"Seeding {args.claimants:,} claimants…", file=sys.stderr, flush=True)
        result = seeding.seed(url, args.claimants, seed_value=args.seed)
        seed_out = {**result.__dict__}
        n = result.claimants
        print(
            f"Seeded in {result.seconds:.0f} s (COPY {result.copy_seconds:.0f} s, VACUUM ANALYZE "
            f"{result.vacuum_seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    # The seed's pages written back to disk before the first step is measured (see settle).
    settle(url, ())
    print("Running the steps…", file=sys.stderr, flush=True)
    results: dict[str, Any] = {}
    options = {
        "naive": ["--sample", str(sample)],
        "agree": ["--sample", str(agree_sample)],
        "agree_full": ["--sample", str(agree_sample)],
        "celery": ["--claimants", str(celery_claimants), "--rate", str(args.celery_rate)],
        "provision": ["--offers", str(args.offers)],
    }
    wanted = args.steps.split(",")
    for step in STEP_ORDER:
        if step not in wanted or (step == "agree" and not results.get("uprating", {}).get("available")):
            continue
        if step == "agree_full" and not results.get("uprating_full", {}).get("available"):
            continue
        if step in REPEATABLE:
            results[step] = repeated(step, options.get(step, []), args.repeat, url)
            continue
        results[step] = run_step(step, *options.get(step, []))
        if step in WRITES and "error" not in results[step]:
            print(f"    settling {', '.join(WRITES[step])}…", file=sys.stderr, flush=True)
            results[step]["settled_after_seconds"] = round(settle(url, WRITES[step]), 1)

    info["reference_seconds_end"] = reference_seconds(url)
    table = build_table(n, info, seed_out, results, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    (args.output.with_suffix(".json")).write_text(
        json.dumps(
            {
                "claimants": n,
                "machine": info,
                "seed": seed_out,
                "steps": results,
                "scenarios": scenario_figures(results, run_reference(info)),
            },
            indent=2,
            default=str,
        )
    )
    print()
    print(table)
    print(
        f"(written to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
