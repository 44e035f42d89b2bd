"""The test suite's settings: the app's own (``iwp.settings``) with a signing key made for this run.

The app refuses to start with DEBUG off and no DJANGO_SECRET_KEY (issue #15). The suite runs with DEBUG off, as
production does, so it brings its own random key; it is put in the environment so that the Celery workers and
other processes the tests start (they inherit DJANGO_SETTINGS_MODULE=tests.settings) sign with the same key.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + secrets.token_urlsafe(48))

from iwp.settings import *  # noqa: F403

# Unit tests run tasks in-process and read their effects at once; the thread path has its own test
# (tests/claimants/test_uprating_job.py::test_without_a_broker_the_uprating_runs_in_a_thread_after_the_request).
IWP_BACKGROUND_THREADS = False
