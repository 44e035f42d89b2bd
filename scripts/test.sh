#!/usr/bin/env bash
# The second README command: the whole suite against real PostgreSQL, Redis, a Celery worker and Chromium.
# Installs what is missing (apt as root), starts throwaway PostgreSQL and Redis on loopback unless
# DATABASE_URL / REDIS_URL are given, runs ruff and pytest, and always stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/bootstrap.sh

# shellcheck source=scripts/services.sh
. scripts/services.sh
services_install chromium
services_start test 15

echo "ruff…"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --diff . | head -40; exit 1; }
echo "import-linter (layers, DESIGN §1)…"
.venv/bin/lint-imports --no-cache

# A signing key made for this run: the settings refuse DEBUG off without one (tests/settings.py keeps it).
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-test-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

# Hashed static files as production serves them (the templates' {% static %} needs the manifest).
.venv/bin/python manage.py collectstatic --noinput -v 0

set +e
# Two processes unless IWP_TEST_PROCESSES says otherwise (0: one): the few walks that take minutes overlap the
# rest of the suite (tests/conftest.py, "Several test processes").
.venv/bin/python -m pytest -n "${IWP_TEST_PROCESSES:-2}" --dist loadgroup "$@"
status=$?
set -e
echo "make test took $(( $(date +%s) - started )) s end to end (exit $status)"
exit $status
