"""Fault drills (issue #14) against the real Redis, a real Celery worker *process* and PostgreSQL: what a user asked
for survives Redis stopping and a worker killed mid-job, and a task delivered twice has one effect.

The drills' worker reads its own queue (``IWP_TASK_QUEUE=drills``), so the suite's in-process worker never takes
their work; it gets the test database's name, so it sees what the test commits.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from claimants.models import Claimant, EarningsRecord, RegimeAssessment
from claimants.regimes import uprating
from claimants.regimes.engine import Cause
from claimants.regimes.tasks import recalculate_claimant
from claimants.services import claimant_record_earnings
from iwp.background import outbox
from iwp.background.jobs import jobs_heal
from iwp.celery import app as celery_app
from iwp.models import BackgroundJobState, TaskIntent
from tests.claimants.factories import ClaimantFactory
from tests.claimants.test_uprating_job import EVERYTHING, seed_caseload
from tests.factories import AdministratorFactory, WorkCoachFactory, govuk_date

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "drills"


def _redis_port() -> int:
    return urlparse(django_settings.REDIS_URL).port


def _redis_db() -> str:
    return urlparse(django_settings.REDIS_URL).path.lstrip("/") or "0"


def redis_stop() -> None:
    subprocess.run(
        ["redis-cli", "-p", str(_redis_port()), "shutdown", "nosave"], check=False, capture_output=True
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(_redis_port()), "ping"], capture_output=True).returncode:
            return
        time.sleep(0.1)


def redis_start(run_dir: Path) -> None:
    pidfile = Path(os.environ.get("SERVICES_RUN", str(run_dir))) / "redis.pid"
    subprocess.run(
        ["redis-server", "--port", str(_redis_port()), "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "",
         "--appendonly", "no", "--dir", str(run_dir), "--pidfile", str(pidfile)],
        check=True,
    )  # fmt: skip
    for _ in range(50):
        if (
            subprocess.run(["redis-cli", "-p", str(_redis_port()), "ping"], capture_output=True).returncode
            == 0
        ):
            return
        time.sleep(0.1)
    raise AssertionError("Redis did not come back")


@contextmanager
def worker_process(**env: str) -> Iterator[subprocess.Popen]:
    """``celery worker`` in its own process group, on the test database and the drills' queue."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "iwp", "worker", "--pool", "prefork", "-c", "2", "-Q", QUEUE,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "IWP_TASK_QUEUE": QUEUE, "DJANGO_DEBUG": "false", **env},
        start_new_session=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_for(condition, *, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {seconds} s")


@pytest.fixture
def drills_queue(settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = QUEUE
    celery_app.conf.task_always_eager = False
    yield
    # Whatever a drill left behind must not reach later tests: its tasks, and Celery's queue table and router,
    # which it builds once, from the default queue of the time (a worker started later would read the drills').
    subprocess.run(["redis-cli", "-p", str(_redis_port()), "del", QUEUE], capture_output=True, check=False)
    for cached in ("queues", "router", "default_queue"):
        celery_app.amqp.__dict__.pop(cached, None)


@pytest.mark.stops_a_service
def test_redis_stopped_while_coaches_record_earnings_and_facts(drills_queue, tmp_path):
    coach = WorkCoachFactory()
    claimants = [ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, assessment_day=10) for _ in range(3)]
    client = Client()
    client.force_login(coach)
    with worker_process():
        redis_stop()
        try:
            slowest = 0.0
            for c in claimants:
                started = time.monotonic()
                response = client.post(
                    reverse("claimants:record_earnings", args=[c.pk]),
                    {**govuk_date("period_start", "2025-06-10"), "employed_earnings": "952.38",
                     "self_employed_earnings": "0"},
                )  # fmt: skip
                assert response.status_code == 302  # the page answers, not a 500
                slowest = max(slowest, time.monotonic() - started)
                assert slowest < 5, "a page waited on the dead broker"
            response = client.post(
                reverse("claimants:edit_regime_facts", args=[claimants[0].pk]),
                {"conditionality_group": "all_work_related_requirements", "expected_hours": "16",
                 "expected_hours_reason": "caring"},
            )  # fmt: skip
            assert response.status_code == 302
            waiting = TaskIntent.objects.filter(dispatched_at__isnull=True).count()
            assert waiting == 4, "every change's recalculation is kept while Redis is down"
            assert EarningsRecord.objects.count() == 3
            assert not RegimeAssessment.objects.exists()
        finally:
            redis_start(tmp_path)
        # What beat's relay does every minute once Redis is back.
        assert outbox.relay_waiting() == 4
        healed = wait_for(
            lambda: all(c.current_regime for c in Claimant.objects.filter(pk__in=[c.pk for c in claimants])),
            seconds=60,
            what="the recalculations",
        )
    # Nothing lost, nothing twice: one latest regime per claimant and period, and no intent left waiting.
    assert RegimeAssessment.objects.current().count() == 3
    assert not TaskIntent.objects.filter(dispatched_at__isnull=True).exists()
    first = Claimant.objects.get(pk=claimants[0].pk)
    assert first.expected_hours == 16
    print(
        f"\nRedis drill: 4 changes kept while Redis was down (slowest page {slowest * 1000:.0f} ms); all decided "
        f"{healed:.1f} s after the relay ran; lost 0, duplicated 0"
    )


# The drills' resume horizon, as production's is made (iwp/settings.py): 3 s visibility, one 3 s restore sweep and
# 2 s for the longest drill chunk (chunks here take well under a second).
DRILL_RESUME_AFTER = timedelta(seconds=3 + 3 + 2)


@pytest.mark.parametrize("lost_in_fetch", [False, True], ids=["redelivered", "lost-in-fetch"])
def test_a_worker_killed_mid_uprating_heals_by_itself(drills_queue, lost_in_fetch):
    """``lost-in-fetch`` makes certain what a SIGKILL does now and then: Redis has handed the worker the next chunk
    (BRPOP) but kombu has not yet recorded it as unacknowledged, so no redelivery will ever bring it back."""
    ids = seed_caseload(random.Random(41), 60)
    admin = AdministratorFactory()
    # Redelivery of an unacknowledged chunk after 3 s instead of 10 minutes (and looked for every 3 s instead of
    # every 100 s), so the drill is short; the mechanism is the one production uses.
    fast = {"IWP_VISIBILITY_TIMEOUT": "3", "IWP_UNACKED_RESTORE_INTERVAL": "0.3"}
    with worker_process(**fast) as first:
        job = uprating.uprating_start(
            actor=admin, effective_from=EVERYTHING, reason="Kill drill", chunk_size=4
        )
        first_chunk = wait_for(
            lambda: job.__class__.objects.get(pk=job.pk).done > 0, seconds=60, what="the first chunk"
        )
        os.killpg(first.pid, signal.SIGKILL)  # mid-job: chunks in flight die with it
        first.wait()
    if lost_in_fetch:
        popped = subprocess.run(
            ["redis-cli", "-p", str(_redis_port()), "-n", _redis_db(), "rpop", QUEUE],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert json.loads(popped)["headers"]["task"] == "claimants.uprating_chunk"
    job.refresh_from_db()
    assert not job.finished, "the drill must kill the worker before the job ends"
    killed_at = f"{job.done}/{job.total}"
    resumes: list[int] = []

    def finished() -> bool:
        # What beat's stall check does every minute, at the drill's scale: a part still not done once redelivery
        # has had its time is sent again.
        resumes.append(jobs_heal(resume_after=DRILL_RESUME_AFTER)["resumed"])
        return job.__class__.objects.get(pk=job.pk).finished

    with worker_process(**fast):
        healed = wait_for(finished, seconds=120, what="the job to finish by itself")
    job.refresh_from_db()
    assert job.state == BackgroundJobState.SUCCEEDED, job.error
    assert job.done == job.total
    # Every claimant decided exactly once by this job: never two history rows for one claimant and period.
    rows = RegimeAssessment.objects.filter(claimant_id__in=ids, background_job=job)
    decided = RegimeAssessment.objects.current().filter(claimant_id__in=ids)
    assert set(decided.values_list("claimant_id", flat=True)) == set(ids)  # nobody left undecided
    assert rows.count() == rows.values("claimant_id", "period_start").distinct().count()
    assert RegimeAssessment.objects.current().filter(claimant_id__in=ids).count() == (
        RegimeAssessment.objects.filter(claimant_id__in=ids)
        .values("claimant_id", "period_start")
        .distinct()
        .count()
    )
    # The chunks the dead worker had recorded come back by redelivery; one it took with it, only by the stall check.
    assert sum(resumes) <= 1, "one resume sends every part not done"
    if lost_in_fetch:
        assert sum(resumes) == 1
    print(
        f"\nWorker-kill drill ({'a fetched chunk lost' if lost_in_fetch else 'redelivery'}): first chunk after "
        f"{first_chunk:.1f} s, killed at {killed_at}; finished by itself {healed:.1f} s after a new worker started "
        f"(resumed by the stall check {sum(resumes)} time(s)); every claimant and period decided once"
    )


def test_the_same_task_delivered_twice_has_one_effect(drills_queue):
    coach = WorkCoachFactory()
    claimant = ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, assessment_day=10)
    claimant_record_earnings(
        claimant=claimant,
        period_start=date(2025, 6, 10),
        employed_earnings=Decimal("952.38"),
        recalculate=False,
    )
    with worker_process():
        first = recalculate_claimant.apply_async(args=[claimant.pk, str(Cause.EARNINGS)], queue=QUEUE)
        second = recalculate_claimant.apply_async(args=[claimant.pk, str(Cause.EARNINGS)], queue=QUEUE)
        results = [first.get(timeout=60), second.get(timeout=60)]
    assert sorted(r["rows_written"] for r in results) == [0, 1]
    assert RegimeAssessment.objects.filter(claimant=claimant).count() == 1


@pytest.mark.stops_a_service
def test_postgresql_restarted_during_a_burst_fails_cleanly_and_recovers(drills_queue):
    from django.db import close_old_connections

    if not (Path(os.environ.get("SERVICES_RUN", "")) / "pg" / "data").is_dir():
        pytest.skip("the drill restarts the throwaway cluster `make test` starts (SERVICES_RUN)")
    coach = WorkCoachFactory()
    claimants = [
        ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, assessment_day=10) for _ in range(40)
    ]
    client = Client(raise_request_exception=False)
    client.force_login(coach)
    answers: dict[int, int] = {}
    restart = subprocess.Popen(
        ["sh", "-c", f"sleep 0.5; {' '.join(_pg_restart_command())}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for c in claimants:
        close_old_connections()  # what the WSGI server does around every request (the test client leaves it out)
        response = client.post(
            reverse("claimants:record_earnings", args=[c.pk]),
            {
                **govuk_date("period_start", "2025-06-10"),
                "employed_earnings": "952.38",
                "self_employed_earnings": "0",
            },
        )
        answers[c.pk] = response.status_code
        close_old_connections()
        time.sleep(0.02)
    assert restart.wait(timeout=60) == 0
    connection.close()
    # Recovery without restarting anything: the next request after the outage is served.
    close_old_connections()
    late = ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, assessment_day=10)
    response = client.post(
        reverse("claimants:record_earnings", args=[late.pk]),
        {
            **govuk_date("period_start", "2025-06-10"),
            "employed_earnings": "952.38",
            "self_employed_earnings": "0",
        },
    )
    assert response.status_code == 302
    assert set(answers.values()) <= {302, 500}, (
        answers
    )  # a clean failure (the branded 500), never anything else
    failed = [pk for pk, status in answers.items() if status == 500]
    assert failed, "the burst must meet the restart"
    # Clean: nothing half-written. Every answered save kept its earnings; a failed one either wrote nothing or, if
    # the failure came after its commit (the session write, say), kept the whole change; and every saved change
    # has its recalculation written beside it (so nothing the user asked for is lost).
    saved = set(EarningsRecord.objects.values_list("claimant_id", flat=True))
    answered = {pk for pk, status in answers.items() if status == 302}
    assert answered | {late.pk} <= saved <= answered | set(failed) | {late.pk}
    assert EarningsRecord.objects.count() == len(saved)  # one row each: no repeats, no fragments
    intents = {args[0] for args in TaskIntent.objects.values_list("args", flat=True)}
    assert intents == saved
    print(
        f"\nPostgreSQL drill: {len(failed)} of {len(answers)} requests met the restart (clean 500s; "
        f"{len(saved & set(failed))} of them had committed their whole change first); the rest and the next one saved"
    )


def _pg_restart_command() -> list[str]:
    data = Path(os.environ["SERVICES_RUN"]) / "pg" / "data"
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    return [
        "runuser",
        "-u",
        "postgres",
        "--",
        str(pg_bin / "pg_ctl"),
        "-D",
        str(data),
        "-m",
        "fast",
        "-w",
        "restart",
    ]
