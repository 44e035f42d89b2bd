"""The embedded default (``make demo``: SQLite, tasks in-process) runs an uprating to the end. The rest of the suite
runs on PostgreSQL, where a PostgreSQL-only statement in the job's planning once passed every test while the demo's
uprating stayed at "Waiting to start": this runs the demo's own path on a real SQLite file, in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import datetime as dt, json, time, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("demo_data", "--if-empty", verbosity=0)
from claimants.models import AetParameter, Claimant, RegimeMove
from claimants.regimes.uprating import uprating_preview, uprating_start
from iwp.models import BackgroundJob
# A (hypothetical) uprating: the single AET from 6 April 2026 becomes 20 hours, so some claimants move.
AetParameter.objects.create(effective_from=dt.date(2026, 4, 7), single_hours=20, couple_hours=31, hourly_rate="12.71")
preview = uprating_preview(effective_from=dt.date(2026, 4, 7))
job = uprating_start(actor=None, effective_from=dt.date(2026, 4, 7), reason="Embedded default check")
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    job.refresh_from_db()
    if job.finished:
        break
    time.sleep(0.5)
kept = RegimeMove.objects.filter(job=job)
# The date check on SQLite (migration 0027's triggers): the new row is logged and, once this uprating from its date
# has succeeded, applied; deleted as from a shell, it refuses a later date again.
from claimants.models import ThresholdChange
from claimants.regimes.uprating import uprating_thresholds_not_applied
logged = list(ThresholdChange.objects.values_list("table_name", "effective_from"))
applied = uprating_thresholds_not_applied(dt.date(2026, 5, 1))
AetParameter.objects.filter(effective_from=dt.date(2026, 4, 7)).delete()
refused = uprating_thresholds_not_applied(dt.date(2026, 5, 1))
print(json.dumps({"state": job.state, "error": job.error, "done": job.done, "total": job.total,
                  "logged": [[t, d.isoformat()] for t, d in logged],
                  "not_applied": [[w, d.isoformat()] for w, d in applied],
                  "refused": [[w, d.isoformat()] for w, d in refused],
                  "moved": job.result.get("moved"), "preview_moving": preview["moving"],
                  "kept": kept.count(), "kept_claimants": kept.values("claimant").distinct().count(),
                  "kept_now_in_new_regime": sum(
                      Claimant.objects.get(pk=m.claimant_id).current_regime == m.to_regime for m in kept)}))
"""


def test_the_embedded_default_runs_an_uprating_to_the_end(tmp_path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_", "IWP_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="iwp.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SECRET_KEY="embedded-default-check-" + "x" * 40,
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["state"] == "succeeded", result
    assert result["total"] > 0 and result["done"] == result["total"]
    # The job moved exactly the claimants its preview said would move.
    assert result["moved"] == result["preview_moving"] > 0
    # Who moved is kept one row per claimant (the per-claimant path's writer), exactly as many as the figure.
    assert result["kept"] == result["kept_claimants"] == result["kept_now_in_new_regime"] == result["moved"]
    # The thresholds' log works on SQLite too: the row added is logged, applied by the uprating from its date, and
    # its deletion (no admin, no audit) refuses a later date.
    assert result["logged"] == [["claimants_aetparameter", "2026-04-07"]]
    assert result["not_applied"] == []
    assert result["refused"] == [["AET", "2026-04-07"]]
