"""Bench step for the team dashboards (issue #6), on the seeded national-scale caseload.

1. Casework for every claimant, set-based (``INSERT … SELECT`` from the claimants, deterministic from the claimant
   id): coach-assignment history (12% changed coach in the year, 3% had three coaches), a held appointment in the
   last 12 weeks (75% with the usual coach), a booked one in the next 8 weeks, 3% outcomes left unrecorded, 2%
   failures to attend (half undecided), open agreed actions for 40% (a third overdue), claimant commitments.
2. The nightly summary refresh (``iwp.dashboards.summaries.refresh_dashboard_summaries``), timed.
3. Server time of the team dashboard (a team of 12 coaches, ~2,000 claimants) and the district view (~60,000
   claimants) through Django's test client (the whole middleware stack and the template; no network), many
   repetitions, p50/p95, the number of SQL queries, and a baseline from the same run: a plain ``count(*)`` of the
   same claimants.
4. The district's claimant CSV export, streamed: time, rows, peak Python allocation while streaming (tracemalloc)
   and the process's RSS growth.

``python -m tests.bench.dashboard`` (DATABASE_URL = a seeded bench database; the ``baseline`` step should have run
first so claimants have a regime history) prints a Markdown table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from iwp.dashboards.services import refresh_coach_figures  # noqa: E402
from iwp.dashboards.summaries import refresh_dashboard_summaries  # noqa: E402
from iwp.models import Role, StaffMember, Team  # noqa: E402
from tests.bench.dashboard_table import table  # noqa: E402

CASEWORK_SQL = """
-- A deterministic pseudo-random number 0..999 per claimant and purpose: (id * prime + salt) % 1000.
CREATE TEMP TABLE bench_other_coach AS
SELECT id AS coach_id,
       coalesce(lead(id) OVER w, first_value(id) OVER w) AS other,
       coalesce(lead(id, 2) OVER w, nth_value(id, 2) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS other2
FROM iwp_staffmember WHERE role = 'work_coach'
WINDOW w AS (PARTITION BY jobcentre_id ORDER BY id);

INSERT INTO claimants_coachassignment (claimant_id, coach_id, assigned_at, unassigned_at, reason, handover_summary)
SELECT c.id, c.coach_id,
       CASE WHEN (c.id * 7919 + 11) % 1000 < 120 THEN now() - interval '100 days' ELSE now() - interval '400 days' END,
       NULL, '', ''
FROM claimants_claimant c WHERE c.coach_id IS NOT NULL;
INSERT INTO claimants_coachassignment (claimant_id, coach_id, assigned_at, unassigned_at, reason, handover_summary)
SELECT c.id, o.other, now() - interval '250 days', now() - interval '100 days', 'Rebalancing', ''
FROM claimants_claimant c JOIN bench_other_coach o ON o.coach_id = c.coach_id
WHERE (c.id * 7919 + 11) % 1000 < 120;
INSERT INTO claimants_coachassignment (claimant_id, coach_id, assigned_at, unassigned_at, reason, handover_summary)
SELECT c.id, o.other2, now() - interval '400 days', now() - interval '250 days', 'Rebalancing', ''
FROM claimants_claimant c JOIN bench_other_coach o ON o.coach_id = c.coach_id
WHERE (c.id * 7919 + 11) % 1000 < 30 AND o.other2 IS NOT NULL;

-- Appointments: one held in the last 12 weeks, one booked in the next 8, some unrecorded, some failed to attend.
INSERT INTO appointments_appointment (claimant_id, coach_id, appointment_type, channel, starts_at, length_minutes,
  ends_at, private_room, notice_hours_at_booking, short_notice_consent, status, booked_by_id, booked_at,
  cancelled_reason, clash_override_reason, overridden_warnings, outcome_recorded_at)
SELECT c.id, CASE WHEN (c.id * 104729 + 3) % 1000 < 750 THEN c.coach_id ELSE o.other END,
       'progression_review', 'face_to_face', s.at, 30, s.at + interval '30 minutes', false, 336, false,
       'attended', c.coach_id, s.at - interval '14 days', '', '', '[]', s.at + interval '35 minutes'
FROM claimants_claimant c JOIN bench_other_coach o ON o.coach_id = c.coach_id
CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) - ((c.id * 31 % 84) + 1) * interval '1 day' AS at) s;
INSERT INTO appointments_appointment (claimant_id, coach_id, appointment_type, channel, starts_at, length_minutes,
  ends_at, private_room, notice_hours_at_booking, short_notice_consent, status, booked_by_id, booked_at,
  cancelled_reason, clash_override_reason, overridden_warnings)
SELECT c.id, c.coach_id, 'progression_review', 'phone', s.at, 20, s.at + interval '20 minutes', false, 336, false,
       'booked', c.coach_id, now() - interval '7 days', '', '', '[]'
FROM claimants_claimant c
CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) + ((c.id * 17 % 56) + 1) * interval '1 day' AS at) s
WHERE c.coach_id IS NOT NULL;
INSERT INTO appointments_appointment (claimant_id, coach_id, appointment_type, channel, starts_at, length_minutes,
  ends_at, private_room, notice_hours_at_booking, short_notice_consent, status, booked_by_id, booked_at,
  cancelled_reason, clash_override_reason, overridden_warnings)
SELECT c.id, c.coach_id, 'work_search_review', 'face_to_face', s.at, 20, s.at + interval '20 minutes', false, 336,
       false, CASE WHEN (c.id * 15485863 + 5) % 1000 < 30 THEN 'booked' ELSE 'failed_to_attend' END, c.coach_id,
       s.at - interval '14 days', '', '', '[]'
FROM claimants_claimant c
CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) - ((c.id * 13 % 10) + 1) * interval '1 day' AS at) s
WHERE c.coach_id IS NOT NULL AND (c.id * 15485863 + 5) % 1000 < 50;
INSERT INTO appointments_goodreasondecision (appointment_id, decision, reason, decided_by_id, at)
SELECT a.id, CASE WHEN a.id % 2 = 0 THEN 'not_yet_decided' ELSE 'accepted' END,
       CASE WHEN a.id % 2 = 0 THEN '' ELSE 'Hospital appointment (letter seen)' END, a.coach_id, a.ends_at
FROM appointments_appointment a WHERE a.status = 'failed_to_attend';

INSERT INTO appointments_agreedaction (claimant_id, category, description, due_on, status, created_by_id, created_at)
SELECT c.id, 'more_hours', 'Ask the manager in writing for more hours', current_date - 20 + (c.id * 37 % 60)::int, 'open',
       c.coach_id, now() - interval '30 days'
FROM claimants_claimant c WHERE c.coach_id IS NOT NULL AND (c.id * 49157 + 7) % 1000 < 400;

INSERT INTO claimants_claimantcommitment (claimant_id, version, status, expected_hours, expected_hours_reason,
  work_search_hours, requirements, easements_note, issued_at, accept_by, accepted_at, review_due, created_at,
  lock_version)
SELECT c.id, 1, CASE WHEN r < 50 THEN 'issued' ELSE 'accepted' END, c.expected_hours, '', 0, '', '',
       now() - interval '20 days', current_date - 5 + (c.id % 12)::int, CASE WHEN r < 50 THEN NULL ELSE now() - interval '15 days' END,
       current_date - 30 + (c.id * 41 % 180)::int, now() - interval '20 days', 0
FROM claimants_claimant c CROSS JOIN LATERAL (SELECT (c.id * 86969 + 13) % 1000 AS r) x
WHERE r < 850;
"""

TABLES = (
    "claimants_coachassignment",
    "appointments_appointment",
    "appointments_goodreasondecision",
    "appointments_agreedaction",
    "claimants_claimantcommitment",
)


def seed_casework() -> dict:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appointments_appointment")
        if cursor.fetchone()[0]:
            return {"skipped": True, "seconds": 0.0}
        for statement in CASEWORK_SQL.split(";\n"):
            if statement.strip():
                cursor.execute(statement)
        rows = {}
        for name in TABLES:
            cursor.execute(f"ANALYZE {name}")
            cursor.execute(f"SELECT count(*) FROM {name}")
            rows[name] = cursor.fetchone()[0]
    return {"skipped": False, "seconds": time.perf_counter() - started, "rows": rows}


def _leaders() -> tuple[StaffMember, StaffMember, Team, int, int]:
    """A team leader of the first full team and a district leader of the first district (created once)."""
    team = (
        Team.objects.filter(members__role=Role.WORK_COACH)
        .select_related("jobcentre__district")
        .order_by("jobcentre__district_id", "pk")
        .first()
    )
    leader, _ = StaffMember.objects.get_or_create(
        username="bench.leader",
        defaults={"role": Role.TEAM_LEADER, "team": team, "jobcentre": team.jobcentre, "password": "!"},
    )
    district_leader, _ = StaffMember.objects.get_or_create(
        username="bench.district",
        defaults={
            "role": Role.TEAM_LEADER,
            "team": team,
            "jobcentre": team.jobcentre,
            "leads_district": True,
            "password": "!",
        },
    )
    from claimants.models import Claimant

    team_claimants = Claimant.objects.filter(coach__team=team).count()
    district_claimants = Claimant.objects.filter(
        coach__team__jobcentre__district=team.jobcentre.district
    ).count()
    return leader, district_leader, team, team_claimants, district_claimants


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _time(fn, reps: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": _percentile(times, 0.95),
        "max_ms": max(times),
        "reps": reps,
    }


def measure_page(user: StaffMember, reps: int, baseline_sql: str, params: list) -> dict:
    client = Client()
    client.force_login(user)
    url = reverse("iwp:team_dashboard")

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    executed: list[str] = []

    def count_queries(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_queries):
        get()
    page = _time(get, reps)

    def count() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, params)
            cursor.fetchone()

    base = _time(count, reps)
    return {**page, "queries": len(executed), "baseline": base}


def measure_export(user: StaffMember) -> dict:
    client = Client()
    client.force_login(user)
    url = reverse("iwp:dashboard_export_claimants")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = client.get(url)
    first = None
    rows = 0
    size = 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - started
        rows += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    response = client.get(url)
    for _ in response.streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "first_chunk_ms": (first or 0) * 1000,
        "rows": rows - 1,
        "mb": size / 2**20,
        "rss_growth_mb": rss_after - rss_before,
        "tracemalloc_peak_mb": peak / 2**20,
    }


def run(reps: int) -> dict:
    out: dict = {"casework": seed_casework()}
    summary = refresh_dashboard_summaries()
    started = time.perf_counter()
    coaches = refresh_coach_figures()
    out["figures"] = {"seconds": time.perf_counter() - started, "coaches": coaches}
    out["summary"] = {
        "seconds": summary.seconds,
        "claimants": summary.claimants,
        "trend_rows": summary.trend_rows,
    }
    with connection.cursor() as cursor:
        for name in ("iwp_claimantprogress", "iwp_teamregimemonth", "iwp_coachfigures"):
            cursor.execute(f"ANALYZE {name}")
    leader, district_leader, team, n_team, n_district = _leaders()
    coaches = StaffMember.objects.filter(team=team, role=Role.WORK_COACH).count()
    out["team"] = {
        "claimants": n_team,
        "coaches": coaches,
        **measure_page(
            leader,
            reps,
            "SELECT count(*) FROM claimants_claimant c JOIN iwp_staffmember s ON s.id = c.coach_id "
            "WHERE s.team_id = %s",
            [team.pk],
        ),
    }
    out["district"] = {
        "claimants": n_district,
        "teams": Team.objects.filter(jobcentre__district=team.jobcentre.district).count(),
        **measure_page(
            district_leader,
            max(10, reps // 2),
            "SELECT count(*) FROM claimants_claimant c JOIN iwp_staffmember s ON s.id = c.coach_id "
            "JOIN iwp_team t ON t.id = s.team_id JOIN iwp_jobcentre j ON j.id = t.jobcentre_id "
            "WHERE j.district_id = %s",
            [team.jobcentre.district_id],
        ),
    }
    out["export"] = measure_export(district_leader)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Team dashboard bench step")
    parser.add_argument("--reps", type=int, default=40)
    args = parser.parse_args(argv)
    out = run(args.reps)
    print(table(out), file=sys.stderr)
    connection.close()
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
