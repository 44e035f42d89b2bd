#!/usr/bin/env bash
# The first README command: set up and run the app on its embedded default (SQLite, tasks in-process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
unset DATABASE_URL REDIS_URL
export DJANGO_DEBUG=true
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_data --if-empty
echo
echo "Starting IWP Casework on http://127.0.0.1:8000/ (Ctrl+C to stop)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
