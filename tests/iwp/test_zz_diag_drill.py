# TEMPORARY diagnostic copy of the worker-kill drill (to be deleted).
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from claimants.regimes import uprating
from iwp.models import BackgroundJob
from tests.claimants.test_uprating_job import EVERYTHING, seed_caseload
from tests.factories import AdministratorFactory
from tests.iwp.test_fault_drills import QUEUE, _redis_port, drills_queue, wait_for, worker_process  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def rcli(*args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(_redis_port()), "-n", "15", *args], capture_output=True,
                          text=True).stdout.strip()


def redis_state(label: str) -> None:
    qs = [k for k in rcli("--scan", "--pattern", f"{QUEUE}*").splitlines()]
    lens = {q: rcli("llen", q) for q in qs}
    unacked = []
    raw = rcli("hgetall", "unacked").splitlines()
    for tag, val in zip(raw[::2], raw[1::2]):
        try:
            m = json.loads(val)[0]
            unacked.append((tag[:8], m["headers"]["task"], m["headers"]["argsrepr"]))
        except Exception:
            unacked.append((tag[:8], val[:80], ""))
    idx = rcli("zrange", "unacked_index", "0", "-1", "withscores")
    print(f"[diag {time.time():.3f}] {label}: queues={lens} unacked={unacked} index={idx!r} "
          f"mutex_ttl={rcli('ttl', 'unacked_mutex')}", flush=True)


def test_diag_kill(drills_queue):
    ids = seed_caseload(random.Random(41), 60)
    admin = AdministratorFactory()
    fast = {"IWP_VISIBILITY_TIMEOUT": "3", "IWP_UNACKED_RESTORE_INTERVAL": "0.3"}
    redis_state("before")
    with worker_process(**fast) as first:
        job = uprating.uprating_start(actor=admin, effective_from=EVERYTHING, reason="Kill drill", chunk_size=4)
        wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).done > 0, seconds=60, what="first chunk")
        redis_state("just before kill")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    redis_state("just after kill")
    job.refresh_from_db()
    print(f"[diag] killed with chunks_done={sorted(job.result.get('chunks_done', []))} "
          f"of {len(job.parameters['chunks'])}", flush=True)
    try:
        with worker_process(**fast):
            try:
                wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).finished, seconds=40, what="finish")
            finally:
                redis_state("end")
                job.refresh_from_db()
                print(f"[diag] end chunks_done={sorted(job.result.get('chunks_done', []))} state={job.state} "
                      f"heartbeat={job.heartbeat_at}", flush=True)
    finally:
        pass
