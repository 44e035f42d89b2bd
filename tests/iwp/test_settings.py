"""The settings that matter are really in effect (a misspelt Celery key silently does nothing)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from iwp.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "atomic_requests": settings.DATABASES["default"]["ATOMIC_REQUESTS"],
    "eager": app.conf.task_always_eager,
    "eager_propagates": app.conf.task_eager_propagates,
    "broker": app.conf.broker_url,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "beat": sorted(app.conf.beat_schedule),
    "timezone": app.conf.timezone,
    "debug": settings.DEBUG,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "middleware": settings.MIDDLEWARE,
    "secret_key": settings.SECRET_KEY,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "idle_minutes": settings.IWP_IDLE_TIMEOUT_MINUTES,
}))
"""

CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SECURE_COOKIES",
    "IWP_PLAIN_STATIC",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "IWP_DEMO_INSECURE_KEY",
    "DJANGO_TRUST_X_FORWARDED_PROTO",
    "IWP_IDLE_TIMEOUT_MINUTES",
)
# The laptop demo's opt-in to the built-in key with DEBUG off (scripts/demo.sh sets it).
DEMO = {"IWP_DEMO_INSECURE_KEY": "true"}


def _run_probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="iwp.settings")
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)


def settings_with(**env: str) -> dict:
    out = _run_probe(**env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def settings_refused(**env: str) -> str:
    """The settings refuse to load: the error Django raises, from stderr."""
    out = _run_probe(**env)
    assert out.returncode != 0, f"settings loaded with {env}"
    assert "ImproperlyConfigured" in out.stderr, out.stderr
    return out.stderr


def test_embedded_default_is_sqlite_and_eager_tasks():
    conf = settings_with(**DEMO)
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["eager"] is True
    assert conf["eager_propagates"] is True
    assert conf["broker"] == "memory://"


def test_redis_url_gives_a_real_broker_and_postgres_url_gives_postgres():
    conf = settings_with(
        REDIS_URL="redis://127.0.0.1:6379/3",
        DATABASE_URL="postgres://u:p@db:5432/iwp",
        DJANGO_SECRET_KEY="k" * 60,
    )
    assert conf["engine"] == "django.db.backends.postgresql"
    assert conf["eager"] is False
    assert conf["broker"] == "redis://127.0.0.1:6379/3"
    # Resumable jobs: a task a dead worker held is redelivered, one task at a time per worker process.
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1
    assert conf["timezone"] == "Europe/London"
    assert "background-jobs-housekeeping" in conf["beat"]


def test_production_cookies_are_secure_and_hsts_on():
    conf = settings_with(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60)
    assert conf["debug"] is False
    assert conf["csrf_secure"] is True
    assert conf["session_secure"] is True
    assert conf["hsts"] >= 31536000
    assert conf["storage"] == "iwp.storage.StaticFilesStorage"
    assert conf["atomic_requests"] is False  # services own their transactions (DESIGN §2)


def test_debug_demo_relaxes_cookies_for_plain_http():
    conf = settings_with(DJANGO_DEBUG="true")
    assert conf["csrf_secure"] is False
    assert conf["session_secure"] is False


def test_security_middleware_in_effect():
    conf = settings_with(**DEMO)
    mw = conf["middleware"]
    for required in (
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
        "csp.middleware.CSPMiddleware",
        "iwp.middleware.SecurityHeadersMiddleware",
        "iwp.middleware.SessionTimeoutMiddleware",
    ):
        assert required in mw
    assert mw[-1] == "axes.middleware.AxesMiddleware"
    # The time-out runs after the session and user are known and before the login check sends a page to sign in.
    authentication = mw.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    timeout = mw.index("iwp.middleware.SessionTimeoutMiddleware")
    assert authentication < timeout < mw.index("django.contrib.auth.middleware.LoginRequiredMiddleware")


def test_allowed_hosts_from_environment():
    conf = settings_with(DJANGO_ALLOWED_HOSTS="iwp.example,web", **DEMO)
    assert conf["allowed_hosts"] == ["iwp.example", "web"]


def test_check_deploy_is_clean_with_production_environment():
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="iwp.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k3y-" + "q8Zr!vW2@pL9#mT4$sX7%bN1^cF6&hJ0*" * 2,
        DJANGO_ALLOWED_HOSTS="iwp.example",
        DJANGO_SECURE_SSL_REDIRECT="true",
        DATABASE_URL="postgres://iwp:iwp@db:5432/iwp",
        REDIS_URL="redis://redis:6379/0",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.django_db
def test_this_run_uses_postgresql_and_the_real_broker():
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_static_urls_work_before_collectstatic(tmp_path):
    """With DEBUG off and no collectstatic (the documented default on a laptop), pages still render: a file
    missing from the manifest is served under its plain name instead of raising."""
    from iwp.storage import StaticFilesStorage

    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    assert storage.url("favicon.ico") == "/static/favicon.ico"
    assert storage.url("css/iwp.css") == "/static/css/iwp.css"


def test_only_a_real_file_missing_from_the_manifest_is_a_warning(tmp_path, caplog):
    """'Run collectstatic' is said only when collectstatic would help: a name a vendored file merely mentions
    (a source map that is not shipped) is logged quietly."""
    from iwp.storage import StaticFilesStorage

    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    with caplog.at_level("DEBUG", logger="iwp.storage"):
        storage.url("css/iwp.css")
        storage.url("vendor/govuk/no-such-file.js.map")
    levels = {r.getMessage().split()[2]: r.levelname for r in caplog.records}
    assert levels == {"css/iwp.css": "WARNING", "vendor/govuk/no-such-file.js.map": "DEBUG"}


# --- Hardening (issue #15) ------------------------------------------------------------------------------------------


def test_debug_off_without_a_secret_key_refuses_to_start():
    error = settings_refused(DJANGO_DEBUG="false")
    assert "DJANGO_SECRET_KEY is not set and DEBUG is off" in error
    # Unset DEBUG means off: the same.
    assert "DJANGO_SECRET_KEY is not set" in settings_refused()


def test_debug_off_with_the_published_placeholder_key_refuses_to_start():
    assert "published placeholder" in settings_refused(DJANGO_SECRET_KEY="change-me-to-a-long-random-string")
    assert "published placeholder" in settings_refused(
        DJANGO_SECRET_KEY="django-insecure-embedded-default-do-not-use-in-production"
    )


def test_the_demo_opts_in_to_the_built_in_key_on_sqlite_only():
    conf = settings_with(DJANGO_DEBUG="false", **DEMO)
    assert conf["debug"] is False
    assert conf["secret_key"] == "django-insecure-embedded-default-do-not-use-in-production"
    error = settings_refused(DJANGO_DEBUG="false", DATABASE_URL="postgres://u:p@db:5432/iwp", **DEMO)
    assert "for the laptop demo on SQLite only" in error
    # A real key always wins over the opt-in.
    assert settings_with(DJANGO_SECRET_KEY="r" * 60, **DEMO)["secret_key"] == "r" * 60


def test_debug_on_keeps_the_laptop_key():
    assert settings_with(DJANGO_DEBUG="true")["secret_key"].startswith("django-insecure")


def test_the_demo_script_and_only_it_opts_in():
    assert "IWP_DEMO_INSECURE_KEY=true" in (ROOT / "scripts" / "demo.sh").read_text()
    for other in (
        "scripts/test.sh",
        "scripts/bench.sh",
        "scripts/load.sh",
        "docker-compose.yml",
        "Dockerfile",
    ):
        assert "IWP_DEMO_INSECURE_KEY" not in (ROOT / other).read_text(), other
    assert "IWP_DEMO_INSECURE_KEY" not in (ROOT / ".env.example").read_text()


def test_x_forwarded_proto_is_believed_only_when_configured():
    assert settings_with(DJANGO_SECRET_KEY="k" * 60)["proxy_ssl_header"] is None
    assert (
        settings_with(DJANGO_SECRET_KEY="k" * 60, DJANGO_TRUST_X_FORWARDED_PROTO="false")["proxy_ssl_header"]
        is None
    )
    trusted = settings_with(DJANGO_SECRET_KEY="k" * 60, DJANGO_TRUST_X_FORWARDED_PROTO="true")
    assert trusted["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_idle_timeout_is_30_minutes_unless_configured():
    assert settings_with(**DEMO)["idle_minutes"] == 30
    assert settings_with(IWP_IDLE_TIMEOUT_MINUTES="5", **DEMO)["idle_minutes"] == 5
    assert "IWP_IDLE_TIMEOUT_MINUTES" in settings_refused(IWP_IDLE_TIMEOUT_MINUTES="0", **DEMO)
