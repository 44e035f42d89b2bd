"""The test suite's settings: the app's own (``iwp.settings``) with a signing key made for this run.

The app refuses to start with DEBUG off and no DJANGO_SECRET_KEY (issue #15). The suite runs with DEBUG off, as
production does, so it brings its own random key; it is put in the environment so that the Celery workers and
other processes the tests start (they inherit DJANGO_SETTINGS_MODULE=tests.settings) sign with the same key.
"""

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + secrets.token_urlsafe(48))


def _redis_database_of_this_process() -> None:
    """`make test` runs the suite on several processes (pytest-xdist), each on its own test database
    (test_iwp_gw0, test_iwp_gw1…) but one Redis. Each gets its own Redis database number, counting down from
    REDIS_URL's, so one process's Celery worker never takes a task meant for another's database. Written back to
    the environment (with a mark, so it is done once) for the workers and commands a test starts."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url) or os.environ.get("IWP_TEST_REDIS_FOR") == worker:
        return
    parts = urlsplit(url)
    database = (int(parts.path.strip("/") or 0) - int(worker[2:])) % 16  # Redis has 16 databases by default
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    os.environ["IWP_TEST_REDIS_FOR"] = worker


_redis_database_of_this_process()

from iwp.settings import *  # noqa: E402, F403  (after choosing this process's Redis database)

# Unit tests run tasks in-process and read their effects at once; the thread path has its own test
# (tests/claimants/test_uprating_job.py::test_without_a_broker_the_uprating_runs_in_a_thread_after_the_request).
IWP_BACKGROUND_THREADS = False
