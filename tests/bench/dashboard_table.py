"""The dashboard bench step's rows of the Markdown table (no Django: ``tests.bench.run`` imports it)."""

from __future__ import annotations


def table(out: dict) -> str:
    t, d, e, s, c = out["team"], out["district"], out["export"], out["summary"], out["casework"]
    rows = []
    if not c.get("skipped"):
        rows.append(
            (
                "Casework seed (assignments, appointments, actions, commitments)",
                f"{c['seconds']:.1f} s · "
                + ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in c["rows"].items()),
                "–",
                "–",
            )
        )
    rows += [
        (
            "Nightly dashboard summary (progression, moves up, coaches in 12 months, trend)",
            f"{s['seconds']:.1f} s for {s['claimants']:,} claimants, {s['trend_rows']:,} trend rows",
            "nightly",
            "–",
        ),
        (
            "Maintained coach figures: every figure of every coach recounted (beat task every 10 minutes)",
            f"{out['figures']['seconds']:.1f} s for {out['figures']['coaches']:,} coaches",
            "≪ 10 minutes",
            "✅" if out["figures"]["seconds"] < 300 else "❌",
        ),
        (
            f"Team dashboard: {t['coaches']} coaches, {t['claimants']:,} claimants ({t['reps']} requests)",
            f"p50 {t['p50_ms']:.0f} ms, p95 {t['p95_ms']:.0f} ms · {t['queries']} SQL queries · baseline "
            f"count(*) p50 {t['baseline']['p50_ms']:.1f} ms",
            "p95 ≤ 250 ms",
            "✅" if t["p95_ms"] <= 250 else "❌",
        ),
        (
            f"District view: {d['teams']} teams, {d['claimants']:,} claimants ({d['reps']} requests)",
            f"p50 {d['p50_ms']:.0f} ms, p95 {d['p95_ms']:.0f} ms · {d['queries']} SQL queries · baseline "
            f"count(*) p50 {d['baseline']['p50_ms']:.1f} ms",
            "p95 ≤ 300 ms",
            "✅" if d["p95_ms"] <= 300 else "❌",
        ),
        (
            f"District claimant CSV export, streamed ({e['rows']:,} rows, {e['mb']:.1f} MB)",
            f"{e['seconds']:.1f} s, first bytes after {e['first_chunk_ms']:.0f} ms · peak Python allocation "
            f"while streaming {e['tracemalloc_peak_mb']:.1f} MB · RSS growth {e['rss_growth_mb']:.0f} MB",
            "streams, bounded memory",
            "✅" if e["tracemalloc_peak_mb"] < 64 else "❌",
        ),
    ]
    return "\n".join(
        [
            "| Measure | Result | Target | Verdict |",
            "|---|---|---|---|",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        ]
    )
