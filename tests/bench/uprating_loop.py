"""Upratings for the load test (``scripts/load.sh``), through the real worker, each re-deciding the whole caseload
from April 2025; prints how many finished and how long each took.

    python -m tests.bench.uprating_loop SECONDS [DELAY]

With DELAY, one uprating, started DELAY seconds in (after the coaches have all signed in and are working): "an
uprating running" while they work. Without it, upratings back to back until SECONDS have passed, so one is always
running: a stress case (the demo's uprating takes well under a second; a national one would keep the worker busy
like this for minutes).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from claimants.regimes.uprating import uprating_start  # noqa: E402
from iwp.models import BackgroundJob, BackgroundJobState  # noqa: E402


def main(seconds: float, delay: float | None = None) -> None:
    if delay is not None:
        time.sleep(delay)
        seconds = 0  # one uprating
    deadline = time.monotonic() + seconds
    took: list[float] = []
    states: list[str] = []
    while not took or time.monotonic() < deadline:
        started = time.monotonic()
        with transaction.atomic():
            job = uprating_start(actor=None, effective_from=date(2025, 4, 6), reason="Load test")
        while time.monotonic() < deadline + 120:
            job.refresh_from_db(fields=["state"])
            if job.state in BackgroundJob.FINISHED_STATES:
                break
            time.sleep(0.25)
        took.append(time.monotonic() - started)
        states.append(job.state)
    succeeded = states.count(BackgroundJobState.SUCCEEDED)
    print(
        f"Upratings during the load: {len(took)} run{' back to back' if len(took) > 1 else ''}, {succeeded} succeeded, "
        f"each {statistics.median(took):.1f} s (median; longest {max(took):.1f} s)"
    )


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else None)
