"""Server time of the work coach's two busiest pages: the caseload and the one-screen claimant record.

Target (issue #4): under 300 ms server time with 200 claimants on the caseload and 100,000 claimants in the
database. Run by ``scripts/bench.sh`` after the main table (on its database, 1M claimants by default) or alone:

    scripts/bench.sh --pages-only            # a fresh database with 100,000 claimants
    DATABASE_URL=… python -m tests.bench.pages --claimants 100000

What it does: seeds claimants if the database has fewer than asked (tests.bench.seed), gives every claimant
a past and a future appointment and an agreed action (set-based SQL, so the appointment and action tables are
national-sized too), makes one coach's caseload exactly 200 claimants with notes, actions and a commitment,
calculates their regime histories, then requests each page through Django's test client (full middleware,
templates and session) many times after a warm-up. The baseline, in the same run and process, is ``/healthz/``:
the cost of a request that does no work. Prints one Markdown table; also writes ``bench-results/pages.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.models import Appointment, CaseNote  # noqa: E402
from claimants.models import (  # noqa: E402
    Claimant,
    ClaimantCommitment,
    CommitmentItem,
    CommitmentStatus,
)
from claimants.regimes.engine import Cause  # noqa: E402
from claimants.regimes.recalculation import claimant_recalculate  # noqa: E402
from iwp.models import Role, StaffMember  # noqa: E402
from tests.bench import seed as seeding  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results" / "pages.md"
CASELOAD_SIZE = 200
TARGET_MS = 300.0
NOTES_PER_CLAIMANT = 40  # more than the record shows: it must read only what it shows


def _count(sql: str) -> int:
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def ensure_claimants(wanted: int) -> int:
    have = _count("SELECT count(*) FROM claimants_claimant")
    if have == 0:
        print(f"  … seeding {wanted:,} claimants", file=sys.stderr, flush=True)
        connection.close()
        seeding.seed(os.environ["DATABASE_URL"], wanted)
        have = _count("SELECT count(*) FROM claimants_claimant")
    return have


def national_appointments_and_actions() -> dict[str, int]:
    """One attended appointment last month and one booked next fortnight per claimant, one agreed action
    each (a third overdue): the tables the caseload's columns read are national-sized, not empty."""
    with connection.cursor() as cur:
        if not _count("SELECT count(*) FROM appointments_appointment"):
            cur.execute(
                """
            INSERT INTO appointments_appointment (
                claimant_id, coach_id, appointment_type, channel, starts_at, length_minutes, ends_at,
                private_room, notice_hours_at_booking, short_notice_consent, status, booked_by_id, booked_at,
                cancelled_reason, clash_override_reason, overridden_warnings, outcome_recorded_at)
            SELECT c.id, c.coach_id, 'progression_review', 'phone', s.at, 20, s.at + interval '20 minutes',
                   false, 72, false, s.status, c.coach_id, s.at - interval '7 days', '', '', '[]'::jsonb,
                   CASE WHEN s.status = 'attended' THEN s.at + interval '20 minutes' END
            FROM claimants_claimant c
            CROSS JOIN LATERAL (VALUES
                (date_trunc('hour', now()) - interval '1 day' * (20 + c.id % 20) + interval '1 hour' * (c.id % 8),
                 'attended'),
                (date_trunc('hour', now()) + interval '1 day' * (1 + c.id % 14) + interval '1 hour' * (c.id % 8),
                 'booked')
            ) AS s(at, status)
            WHERE c.coach_id IS NOT NULL
            """
            )
        if not _count("SELECT count(*) FROM appointments_agreedaction"):
            cur.execute(
                """
            INSERT INTO appointments_agreedaction (
                claimant_id, category, description, due_on, status, created_by_id, created_at)
            SELECT c.id, 'more_hours', 'Ask the manager for 4 more hours a week',
                   current_date + (c.id % 30 - 10)::int, 'open', c.coach_id, now()
            FROM claimants_claimant c WHERE c.coach_id IS NOT NULL
            """
            )
        cur.execute("ANALYZE appointments_appointment")
        cur.execute("ANALYZE appointments_agreedaction")
    return {
        "appointments": _count("SELECT count(*) FROM appointments_appointment"),
        "actions": _count("SELECT count(*) FROM appointments_agreedaction"),
    }


def one_caseload_of(size: int):
    """A coach with exactly ``size`` claimants (moved from colleagues in the same jobcentre), each with a
    regime history, case notes and a claimant commitment with a support plan."""
    coach = StaffMember.objects.filter(role=Role.WORK_COACH, caseload__isnull=False).order_by("pk").first()
    with transaction.atomic():
        mine = Claimant.objects.filter(coach=coach).count()
        if mine < size:
            extra = list(
                Claimant.objects.filter(jobcentre_id=coach.jobcentre_id)
                .exclude(coach=coach)
                .order_by("pk")
                .values_list("pk", flat=True)[: size - mine]
            )
            Claimant.objects.filter(pk__in=extra).update(coach=coach)
            # Their appointments move with them (the diary columns stay consistent).
            Appointment.objects.filter(claimant_id__in=extra).update(coach=coach, booked_by=coach)
        elif mine > size:
            keep = list(
                Claimant.objects.filter(coach=coach).order_by("pk").values_list("pk", flat=True)[:size]
            )
            other = StaffMember.objects.filter(role=Role.WORK_COACH, jobcentre_id=coach.jobcentre_id).exclude(
                pk=coach.pk
            )[0]
            Claimant.objects.filter(coach=coach).exclude(pk__in=keep).update(coach=other)
    claimants = list(Claimant.objects.filter(coach=coach).order_by("pk"))
    if not CaseNote.objects.filter(claimant__coach=coach).exists():
        today = date.today()
        with transaction.atomic():
            CaseNote.objects.bulk_create(
                CaseNote(claimant=c, author=coach, text=f"Discussed hours and childcare (note {n}).")
                for c in claimants
                for n in range(NOTES_PER_CLAIMANT)
            )
            for c in claimants:
                ClaimantCommitment.objects.filter(claimant=c).delete()
                commitment = ClaimantCommitment.objects.create(
                    claimant=c,
                    version=1,
                    status=CommitmentStatus.ACCEPTED,
                    expected_hours=Decimal(35),
                    work_search_hours=Decimal(10),
                    requirements="Ask for more hours; apply for one better-paid job a week.",
                    issued_at=timezone.now() - timedelta(days=30),
                    accept_by=today - timedelta(days=23),
                    accepted_at=timezone.now() - timedelta(days=28),
                    review_due=today + timedelta(days=(c.pk % 40) - 10),
                    created_by=coach,
                )
                CommitmentItem.objects.bulk_create(
                    [
                        CommitmentItem(commitment=commitment, side="claimant", text="Ask for 4 more hours"),
                        CommitmentItem(
                            commitment=commitment, side="jobcentre", text="Refer to skills bootcamp"
                        ),
                    ]
                )
        for c in claimants:
            claimant_recalculate(claimant_id=c.pk, cause=Cause.EARNINGS)
    return coach, claimants


def time_page(client: Client, url: str, params: dict | None, runs: int) -> dict:
    for _ in range(3):  # warm-up: templates compiled, caches and connections primed
        assert client.get(url, params).status_code == 200
    # Counted with a wrapper, not CaptureQueriesContext: Django resets its query log at request start.
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)],
        "max": samples[-1],
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Caseload and claimant record server time.")
    parser.add_argument(
        "--claimants", type=int, default=100_000, help="seed this many if the database is empty"
    )
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args(argv)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False

    total = ensure_claimants(args.claimants)
    print("  … appointments and actions for every claimant", file=sys.stderr, flush=True)
    counts = national_appointments_and_actions()
    print(f"  … one caseload of {CASELOAD_SIZE}", file=sys.stderr, flush=True)
    coach, claimants = one_caseload_of(CASELOAD_SIZE)
    client = Client()
    client.force_login(coach)
    busiest = max(claimants, key=lambda c: c.pk % 7)  # any: they all have the same notes and history
    pages = [
        ("Baseline: `/healthz/` (a request that does no work)", reverse("healthz"), None),
        ("Caseload, first page (sorted by name)", reverse("claimants:caseload"), None),
        (
            "Caseload sorted by next appointment, filtered to overdue actions",
            reverse("claimants:caseload"),
            {"sort": "next_appointment", "show": "overdue_actions"},
        ),
        ("Caseload, search by surname", reverse("claimants:caseload"), {"q": claimants[0].last_name[:4]}),
        ("Claimant record (one screen)", reverse("claimants:record", args=[busiest.pk]), None),
        ("My diary (8 days; ~100 appointments)", reverse("appointments:diary"), None),
    ]
    results = [(label, time_page(client, url, params, args.runs)) for label, url, params in pages]
    targeted = {label for label, _, _ in pages if label.startswith(("Caseload", "Claimant record"))}
    base = results[0][1]["p50"]
    rows = [
        "| Page | p50 | p95 | max | SQL queries | vs baseline (p50) | Target | Verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        is_base = label.startswith("Baseline")
        verdict = ("✅ meets" if r["p95"] < TARGET_MS else "❌ misses") if label in targeted else "–"
        extra = "–" if is_base else f"+{r['p50'] - base:.1f} ms"
        target = f"p95 < {TARGET_MS:.0f} ms" if label in targeted else "– (information)"
        rows.append(
            f"| {label} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.1f} ms | {r['queries']} | "
            f"{extra} | {target} | {verdict} |"
        )
    text = "\n".join(
        [
            f"## Casework pages: {total:,} claimants in the database, {CASELOAD_SIZE} on the coach's caseload "
            f"({timezone.now():%Y-%m-%d %H:%M} UTC)",
            "",
            f"{counts.get('appointments', 0):,} appointments and {counts.get('actions', _count('SELECT count(*) FROM appointments_agreedaction')):,} "
            f"agreed actions in the database; {NOTES_PER_CLAIMANT} case notes per claimant on the caseload. "
            f"Server time through Django's test client (middleware, session, templates), {args.runs} requests "
            f"each after 3 warm-up requests, DEBUG off. Load average {os.getloadavg()[0]:.1f}.",
            "",
            *rows,
            "",
        ]
    )
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    failed = [label for label, r in results if label in targeted and r["p95"] >= TARGET_MS]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
