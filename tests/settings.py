"""The test suite's settings: the app's own (``iwp.settings``) with a signing key made for this run.

The app refuses to start with DEBUG off and no DJANGO_SECRET_KEY (issue #15). The suite runs with DEBUG off, as
production does, so it brings its own random key; it is put in the environment so that the Celery workers and
other processes the tests start (they inherit DJANGO_SETTINGS_MODULE=tests.settings) sign with the same key.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + secrets.token_urlsafe(48))

from iwp.settings import *  # noqa: F403
