"""Bench step for the caseload search (issue #17) on the seeded national-scale caseload.

For a work coach and one real claimant of theirs (picked deterministically), times what the caseload page does
for a search: ``caseload_for`` (``claimants.selectors``), then the paginator's ``count()`` and the first page
of 25 rows, for six searches (full name, the name reversed, partial words, NINO with spaces, date of birth,
postcode), each

* in the coach's own caseload (~166 claimants),
* over the whole office (``scope=office``: the coach's jobcentre, ~4,000 claimants at 1M),
* as an administrator (every claimant: the case the pg_trgm index is for),

and, in the same run, the old search as a baseline: ``nino = X OR last_name ILIKE '%X%' OR first_name ILIKE
'%X%'`` over the same claimants (it finds nobody for "Helen King", "King, Helen" or "3/4/1985": the point of
issue #17, so its rows say how many it found). Median and p95 in ms over ``--reps`` runs after a warm-up.

Run on a seeded, migrated bench database (``make bench`` runs it as the ``search`` step)::

    DATABASE_URL=postgres://…/iwp_bench python -m tests.bench.search            # seeded already
    DATABASE_URL=postgres://…/fresh python -m tests.bench.search --seed 1000000  # seeds first (tests.bench.seed)

It prints a Markdown table and, last, one JSON line. This module imports Django only inside ``run`` so that
``tests.bench.run`` can format its rows without configuring Django.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

TARGET_MS = 150
SCOPES = ("coach", "office", "administrator")
SCOPE_LABELS = {
    "coach": "coach's own caseload",
    "office": "whole office (scope=office)",
    "administrator": "administrator (every claimant)",
}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def _searches(claimant: Any) -> list[tuple[str, str]]:
    first, last = claimant.first_name, claimant.last_name
    n = claimant.nino
    dob = claimant.date_of_birth
    return [
        ("full name", f"{first} {last}"),
        ("reversed name", f"{last}, {first}".lower()),
        ("partial name", f"{first[:3]} {last[:3]}".lower()),
        ("NINO with spaces", f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8:]}"),
        ("date of birth", f"{dob.day}/{dob.month}/{dob.year}"),
        ("postcode", claimant.postcode.lower().replace(" ", "")),
    ]


def run(reps: int = 30, *, coach_id: int | None = None) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from claimants.models import Claimant
    from claimants.record import caseload
    from claimants.selectors import CaseloadQuery, caseload_for, claimants_visible_to
    from iwp.models import Role, StaffMember

    # A coach in the middle of the seeded organisation, and their claimant nearest the middle id.
    coaches = StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True).order_by("pk")
    coach = coaches.get(pk=coach_id) if coach_id else coaches[coaches.count() // 2]
    mine = Claimant.objects.filter(coach=coach).order_by("pk")
    claimant = mine[mine.count() // 2]
    administrator = StaffMember(username="bench.search", role=Role.ADMINISTRATOR)  # never saved
    today = timezone.localdate()

    def page(rows) -> int:
        # What the caseload view does with the queryset: the paginator's count, then the first 25 rows.
        paginator = Paginator(rows, 25)
        first = paginator.get_page(1)
        list(first)
        return paginator.count

    def new(user: StaffMember, text: str, whole_office: bool):
        return caseload_for(user, CaseloadQuery(search=text, whole_office=whole_office), today=today)

    def old(user: StaffMember, text: str, whole_office: bool):
        # The search before issue #17 (claimants/selectors.py at 4ac328a), on the same claimants.
        rows = claimants_visible_to(user).select_related("coach")
        if user.effective_role == Role.WORK_COACH and not whole_office:
            rows = rows.filter(coach=user)
        term = text.strip()
        rows = rows.filter(
            Q(nino=term.replace(" ", "").upper())
            | Q(last_name__icontains=term)
            | Q(first_name__icontains=term)
        )
        return caseload.apply(rows, today=today, show=(), sort="name")

    def timed(fn) -> tuple[dict[str, float], int]:
        found = 0
        for _ in range(3):
            found = fn()
        samples = []
        for _ in range(reps):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        return _percentiles(samples), found

    users = {"coach": (coach, False), "office": (coach, True), "administrator": (administrator, False)}
    results: list[dict[str, Any]] = []
    for kind, text in _searches(claimant):
        for scope in SCOPES:
            user, whole_office = users[scope]
            now, found = timed(lambda u=user, w=whole_office, t=text: page(new(u, t, w)))
            before, found_before = timed(lambda u=user, w=whole_office, t=text: page(old(u, t, w)))
            results.append(
                {
                    "search": kind,
                    "typed": text,
                    "scope": scope,
                    "new": now,
                    "found": found,
                    "old": before,
                    "old_found": found_before,
                }
            )
    # Whether PostgreSQL used the trigram index for the widest name search (the plan, first lines).
    with connection.cursor() as cursor:
        sql, params = new(administrator, _searches(claimant)[2][1], False).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "claimants": Claimant.objects.count(),
        "coach_claimants": mine.count(),
        "office_claimants": Claimant.objects.filter(jobcentre_id=coach.jobcentre_id).count(),
        "reps": reps,
        "results": results,
        "trigram_index_used": any("claimant_search_name_trgm" in line for line in plan),
        "plan": plan[:12],
    }


def table(out: dict) -> str:
    """The step's Markdown table: one row per search and scope, new against the old query."""
    lines = [
        f"Caseload search (issue #17), {out['claimants']:,} claimants: a coach's caseload of "
        f"{out['coach_claimants']:,}, their office of {out['office_claimants']:,}; count + first page of 25, "
        f"{out['reps']} runs each; trigram index used for the national name search: "
        f"{'yes' if out['trigram_index_used'] else 'NO'}.",
        "",
        "| Search (typed) | Scope | New: p50 / p95 | Found | Old query: p50 / p95 | Old found | Target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in out["results"]:
        ok = r["new"]["p95_ms"] < TARGET_MS
        lines.append(
            f"| {r['search']} (`{r['typed']}`) | {SCOPE_LABELS[r['scope']]} | "
            f"{r['new']['p50_ms']:.1f} / {r['new']['p95_ms']:.1f} ms | {r['found']:,} | "
            f"{r['old']['p50_ms']:.1f} / {r['old']['p95_ms']:.1f} ms | {r['old_found']:,} | "
            f"< {TARGET_MS} ms {'✅' if ok else '❌'} |"
        )
    return "\n".join(lines) + "\n"


def summary_row(out: dict) -> tuple[str, str, str, str]:
    """One row for ``tests.bench.run``'s table: the slowest search of each scope."""
    worst = {
        scope: max((r for r in out["results"] if r["scope"] == scope), key=lambda r: r["new"]["p95_ms"])
        for scope in SCOPES
    }
    result = " · ".join(
        f"{SCOPE_LABELS[s]}: slowest p95 {w['new']['p95_ms']:.0f} ms ({w['search']}; old query "
        f"{w['old']['p95_ms']:.0f} ms)"
        for s, w in worst.items()
    )
    ok = all(w["new"]["p95_ms"] < TARGET_MS for w in worst.values())
    return (
        "Caseload search (issue #17): name any order / partial, NINO, date of birth, postcode "
        "(`python -m tests.bench.search` for every row)",
        result,
        f"< {TARGET_MS} ms",
        "✅ meets" if ok else "❌ misses",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the caseload search on a seeded bench database.")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--coach", type=int, default=None, help="work coach id (default: the middle one)")
    parser.add_argument("--seed", type=int, default=0, help="seed this many claimants first (empty database)")
    args = parser.parse_args(argv)
    if args.seed:
        from tests.bench import seed as seeding

        done = seeding.seed(os.environ["DATABASE_URL"], args.seed)
        print(f"Seeded {done.claimants:,} claimants in {done.seconds:.0f} s", file=sys.stderr)
    out = run(args.reps, coach_id=args.coach)
    print(table(out))
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
