"""Shared fixtures: real PostgreSQL (never SQLite), each role's logged-in client, a real Celery worker
against the real Redis, and Playwright driving Debian's Chromium."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from iwp.celery import app as celery_app
from tests import factories

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


@pytest.fixture(autouse=True, scope="session")
def _postgres_only(django_db_setup, django_db_blocker):
    # The suite's promise is "real PostgreSQL"; a misconfigured run must fail loudly, not pass on SQLite.
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", f"tests must run on PostgreSQL, not {connection.vendor}"


@pytest.fixture(autouse=True)
def _reference_thresholds(request):
    """Transactional tests (real worker, browser) end by flushing every table, which also removes the rows the
    data migration loaded; put the rulebook's thresholds back so each such test starts like a fresh database."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")) and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    migration = importlib.import_module("claimants.migrations.0002_reference_thresholds")
    migration.load(apps, None)


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
