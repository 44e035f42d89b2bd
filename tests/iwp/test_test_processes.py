"""The suite's own machinery for running on several processes (tests/conftest.py, "Several test processes"): a test
that stops a shared service runs alone, and a test process uses its own Redis database."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

from tests import conftest


def _item(alone: bool) -> SimpleNamespace:
    return SimpleNamespace(
        nodeid="drill" if alone else "test",
        get_closest_marker=lambda name: object() if alone and name == "stops_a_service" else None,
    )


def test_a_test_that_stops_a_service_waits_for_the_running_ones_and_holds_new_ones_off(monkeypatch, tmp_path):
    # Threads stand in for test processes: each opens the lock files itself, and flock locks belong to an open file.
    monkeypatch.setattr(conftest, "_lock_folder", lambda: tmp_path / "locks")
    monkeypatch.setattr(conftest, "_restarts_seen", 0)
    monkeypatch.setattr(conftest, "lone_waits", [])
    spans: dict[str, tuple[float, float]] = {}
    running = threading.Event()

    def run(name: str, alone: bool, seconds: float) -> None:
        with conftest._sharing_the_services(_item(alone)):
            started = time.monotonic()
            running.set()
            time.sleep(seconds)
            spans[name] = (started, time.monotonic())  # while still holding the lock

    first = threading.Thread(target=run, args=("running", False, 0.4))
    first.start()
    assert running.wait(5)
    lone = threading.Thread(target=run, args=("drill", True, 0.3))
    lone.start()
    time.sleep(0.1)  # the drill is waiting for the running test now
    later = threading.Thread(target=run, args=("later", False, 0.05))
    later.start()
    for thread in (first, lone, later):
        thread.join(10)
    assert spans["drill"][0] >= spans["running"][1], spans  # waited for the test that was running
    assert spans["later"][0] >= spans["drill"][1], spans  # and the test that came after waited for it
    assert len(conftest.lone_waits) == 1 and conftest.lone_waits[0].startswith("drill waited 0.")


def test_each_test_process_has_its_own_redis_database_and_passes_it_on(monkeypatch):
    from tests.settings import _redis_database_of_this_process

    chosen = {}
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.delenv("IWP_TEST_REDIS_FOR", raising=False)
        _redis_database_of_this_process()
        chosen[worker] = os.environ["REDIS_URL"]
        _redis_database_of_this_process()  # a Celery worker the test starts inherits the choice: done once
        assert os.environ["REDIS_URL"] == chosen[worker]
    assert chosen == {
        "gw0": "redis://127.0.0.1:6379/15",
        "gw1": "redis://127.0.0.1:6379/14",
        "gw2": "redis://127.0.0.1:6379/13",
    }
