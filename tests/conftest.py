"""Shared fixtures: real PostgreSQL (never SQLite), each role's logged-in client, a real Celery worker
against the real Redis, and Playwright driving Debian's Chromium."""

from __future__ import annotations

import fcntl
import importlib
import logging
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from django.db import DatabaseError, connection, connections
from django.test import Client
from pytest_django.plugin import blocking_manager_key

from claimants.models import NINO_RE, Claimant
from iwp.celery import app as celery_app
from tests import factories
from tests.clock import OFFICE_HOURS

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


@pytest.fixture(autouse=True, scope="session")
def _postgres_only(django_db_setup, django_db_blocker):
    # The suite's promise is "real PostgreSQL"; a misconfigured run must fail loudly, not pass on SQLite.
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", f"tests must run on PostgreSQL, not {connection.vendor}"


# The rows the data migrations load: the rulebook's thresholds and the Flexible Support Fund's default rules.
REFERENCE_DATA = (
    "claimants.migrations.0002_reference_thresholds",
    "claimants.migrations.0011_flexible_support_fund",
)


def _uses_transactional_db(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in getattr(
        item, "fixturenames", ()
    )


def _load_reference_data() -> None:
    from django.apps import apps

    for name in REFERENCE_DATA:
        importlib.import_module(name).load(apps, None)  # each leaves a row already there as it is
    # As after the migrations, which load these rows before 0026 adds when each was recorded: empty, so they
    # count as applied by an uprating (claimants.regimes.uprating.uprating_thresholds_not_applied).
    AetParameter = apps.get_model("claimants", "AetParameter")
    WageRate = apps.get_model("claimants", "WageRate")
    AetParameter.objects.update(recorded_at=None)
    WageRate.objects.update(recorded_at=None)
    # Nor logged as changes: the migrations load them before 0027 starts the database's log.
    apps.get_model("claimants", "ThresholdChange").objects.all().delete()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test (real worker, browser) ends by flushing every table, which also removes the rows the
    data migrations loaded. They are put back after it (pytest_runtest_teardown below), so that any test, in any
    order on any test process, starts on a database like a freshly migrated one; and before it, in case a test
    process was handed one that was flushed and not refilled (a run interrupted in teardown)."""
    if not _uses_transactional_db(request.node):
        return
    request.getfixturevalue("transactional_db")
    _load_reference_data()


@pytest.fixture(autouse=True)
def _office_hours_clock(request):
    """Tests marked ``office_hours`` run on a clock moved to a Wednesday morning (tests/clock.py). Autouse, so the
    clock moves before any other fixture signs anyone in or books anything."""
    if request.node.get_closest_marker("office_hours") is None:
        yield
        return
    with time_machine.travel(OFFICE_HOURS, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's cost is the point in production and a minute of waiting in tests; one test checks the default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Unit tests run tasks in-process; tests marked celery_worker use the real broker and worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def superuser_client(db) -> tuple[Client, factories.StaffMember]:
    """A superuser signed in, for Django admin (reference data)."""
    root = factories.StaffMember.objects.create_superuser(
        "root.admin", "root@dwp.example", factories.TEST_PASSWORD
    )
    client = Client()
    client.force_login(root)
    return client, root


@pytest.fixture
def team(db):
    return factories.TeamFactory()


@pytest.fixture
def work_coach(team):
    return factories.WorkCoachFactory(team=team, username="coach.test")


@pytest.fixture
def team_leader(team):
    return factories.TeamLeaderFactory(team=team, username="leader.test")


@pytest.fixture
def progression_lead(team):
    return factories.ProgressionLeadFactory(jobcentre=team.jobcentre, username="lead.test")


@pytest.fixture
def administrator(db):
    return factories.AdministratorFactory(username="admin.test")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coach_client(work_coach) -> Client:
    return _client_for(work_coach)


@pytest.fixture
def leader_client(team_leader) -> Client:
    return _client_for(team_leader)


@pytest.fixture
def lead_client(progression_lead) -> Client:
    return _client_for(progression_lead)


@pytest.fixture
def admin_client_iwp(administrator) -> Client:
    return _client_for(administrator)


@pytest.fixture
def role_clients(coach_client, leader_client, lead_client, admin_client_iwp) -> dict[str, Client]:
    return {
        "work_coach": coach_client,
        "team_leader": leader_client,
        "progression_lead": lead_client,
        "administrator": admin_client_iwp,
    }


# --- A real Celery worker (session-scoped: a per-test worker hangs at teardown now and then) ---------------


@pytest.fixture(scope="session")
def celery_worker_session():
    from celery.contrib.testing.worker import start_worker

    broker = celery_app.conf.broker_url
    assert broker.startswith("redis://"), f"worker tests need REDIS_URL (a real Redis), got {broker!r}"
    celery_app.conf.task_always_eager = False
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_worker_session):
    celery_app.conf.task_always_eager = False
    yield celery_worker_session


# --- Playwright with Debian's Chromium (never `playwright install`) -------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _allow_async_unsafe():
    # Playwright's sync API runs an event loop in the test thread; Django's ORM refuses that unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def screenshot_dir() -> Path:
    path = ARTEFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- The logs of a whole run name nobody (issue #15) -----------------------------------------------------------
#
# Every log record any logger emits during the run is checked: a National Insurance number (claimants.models.NINO_RE,
# with or without spaces, any case), an email address, or the full name of a claimant in the database at the time
# fails the run at the end (pytest_sessionfinish), listing the records. Services log ids, never names.
#
# Records are caught where the logging module hands them to handlers (Logger.callHandlers), not by a handler on the
# root logger: that sees loggers that do not propagate, and survives the Celery worker replacing the root logger's
# handlers. Cheap: two regular expressions per record; names are looked up only for a test that logged a pair of
# capitalised words, once at its end, while its data is still in the database.

NINO_IN_TEXT = re.compile(
    r"\b" + NINO_RE.pattern.strip("^$").replace(r"\d{6}", r"\s?\d{2}\s?\d{2}\s?\d{2}\s?") + r"\b",
    re.IGNORECASE,
)
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
NAME_PAIRS = re.compile(r"(?=\b([A-Z][\w'-]+),? ([A-Z][\w'-]+)\b)")


class _LogScan:
    def __init__(self) -> None:
        self.findings: list[str] = []
        self.test = "(outside a test)"
        self.pairs: list[
            tuple[str, str, str]
        ] = []  # (first word, second word, record) logged by the current test
        self.original = logging.Logger.callHandlers

    def check(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not this check's
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception_only(record.exc_info[1]))
        for what, pattern in (
            ("a National Insurance number", NINO_IN_TEXT),
            ("an email address", EMAIL_IN_TEXT),
        ):
            if pattern.search(text):
                self.findings.append(f"{self.test}: {record.name} logged {what}: {text[:300]!r}")
        if len(self.pairs) < 10_000:
            self.pairs += [(a, b, f"{record.name}: {text[:300]!r}") for a, b in NAME_PAIRS.findall(text)]

    def check_names(self, config) -> None:
        """The pairs of capitalised words the test logged, against the claimants in the database now."""
        pairs, self.pairs = self.pairs, []
        if not pairs:
            return
        try:
            with config.stash[blocking_manager_key].unblock():
                names = set(Claimant.objects.values_list("first_name", "last_name"))
        except DatabaseError:
            return  # the test left its transaction unusable; its data is gone with it
        for a, b, record in pairs:
            if (a, b) in names or (b, a) in names:
                self.findings.append(f"{self.test}: logged the claimant {a} {b}: {record}")

    def install(self) -> None:
        scan, original = self, self.original

        def call_handlers(logger: logging.Logger, record: logging.LogRecord) -> None:
            scan.check(record)
            original(logger, record)

        logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]

    def uninstall(self) -> None:
        logging.Logger.callHandlers = self.original  # type: ignore[method-assign]


_log_scan = _LogScan()


def pytest_sessionstart(session) -> None:
    _log_scan.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    _log_scan.test, _log_scan.pairs = item.nodeid, []
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    _log_scan.check_names(item.config)  # before the test's data is rolled back or flushed
    yield
    _log_scan.test = "(between tests)"
    # Flushed: the data migrations' rows back for the tests after it (after the last, the database is gone).
    if nextitem is not None and _uses_transactional_db(item):
        with item.config.stash[blocking_manager_key].unblock():
            _load_reference_data()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """With several test processes (pytest-xdist), each scans its own logs and hands its findings to the main
    process (below), which reports them all and fails the run."""
    _log_scan.findings += getattr(node, "workeroutput", {}).get("log_scan", [])
    lone_waits.extend(getattr(node, "workeroutput", {}).get("lone_waits", []))


def pytest_terminal_summary(terminalreporter) -> None:
    for line in lone_waits:  # what running the service drills alone cost
        terminalreporter.write_line(line)


def pytest_sessionfinish(session, exitstatus) -> None:
    _log_scan.uninstall()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # one test process of several: the main process reports
        workeroutput["log_scan"] = list(_log_scan.findings)
        workeroutput["lone_waits"] = list(lone_waits)
        # This process runs no more tests, so it needs no lock; another still running makes its files again.
        shutil.rmtree(_lock_folder() or "", ignore_errors=True)
        return
    if not _log_scan.findings:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["Personal data in the logs of this run (log ids, not names, NINOs or email addresses):"]
    lines += _log_scan.findings[:50]
    if len(_log_scan.findings) > 50:
        lines.append(f"… and {len(_log_scan.findings) - 50} more")
    if reporter is not None:
        reporter.section("log scan", sep="=", red=True, bold=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- The REST API with a token (issue #15) ----------------------------------------------------------------


@pytest.fixture
def api_for(db):
    """``api_for(user)``: a DRF test client calling the API with a new token of ``user`` (as another system
    would: no session, no CSRF)."""
    from rest_framework.test import APIClient

    from iwp.api_tokens import token_issue

    def make(user) -> APIClient:
        _, key = token_issue(user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


# --- Several test processes (pytest-xdist; `make test` runs two) ------------------------------------------------
#
# Each process has its own test database (pytest-django) and Redis database number (tests/settings.py). What they
# still share is the PostgreSQL and Redis servers, which two fault drills stop or restart (marked
# `stops_a_service`): such a test waits until no other test is running anywhere, and holds the others off until it
# ends; the others then reconnect. Tests with a real Celery worker run on one process, one after another (as in a
# single-process run: the session's worker sees the drills). The few tests that take minutes start first, so that
# the processes finish at about the same time instead of one walking alone at the end.


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: otherwise collection order


_restarts_seen = 0
lone_waits: list[str] = []  # reported at the end of the run (pytest_terminal_summary)


def _lock_folder() -> Path | None:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return Path(tempfile.gettempdir()) / f"iwp-tests-{run}" if run else None


@contextmanager
def _sharing_the_services(item) -> Iterator[None]:
    """A readers–writer lock across the test processes: every test holds ``room`` shared, a test that stops a
    service holds it alone. ``turnstile`` gives the lone test its turn: while it waits, no new test starts."""
    global _restarts_seen
    folder = _lock_folder()
    if folder is None:  # one process: nothing is shared
        yield
        return
    folder.mkdir(exist_ok=True)
    alone = item.get_closest_marker("stops_a_service") is not None
    with open(folder / "turnstile", "a") as turnstile, open(folder / "room", "a") as room:
        waiting = time.monotonic()
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(room, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        else:
            lone_waits.append(f"{item.nodeid} waited {time.monotonic() - waiting:.1f} s to run alone")
        try:
            restarts = os.fstat(room.fileno()).st_size  # one byte for each service stopped so far
            if restarts != _restarts_seen:
                connections.close_all()  # broken by another process's drill: the next query reconnects
                _restarts_seen = restarts
            yield
        finally:
            if alone:
                room.write("x")
                room.flush()
                _restarts_seen += 1
            fcntl.flock(room, fcntl.LOCK_UN)
            fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    with _sharing_the_services(item):
        yield
