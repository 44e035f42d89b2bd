#!/usr/bin/env bash
# The first README command: set up and run the app on its embedded default (SQLite, tasks in-process).
# DEBUG stays off so the demo looks like the service (GOV.UK 404 and 500 pages, no URL list or traceback);
# WhiteNoise serves the collected static files. Plain http on loopback, so cookies are not marked Secure and
# there is no HSTS; the built-in insecure secret key is used only because this is a laptop demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
unset DATABASE_URL REDIS_URL
# IWP_DEMO_INSECURE_KEY: the demo, and only the demo, runs with DEBUG off on the public built-in key (settings
# refuse that anywhere else, and on any database but this SQLite file).
export DJANGO_DEBUG=false DJANGO_SECURE_COOKIES=false DJANGO_HSTS_SECONDS=0 IWP_STATIC_FINDERS=false IWP_DEMO_INSECURE_KEY=true
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py demo_data --if-empty
echo
echo "Starting IWP Casework on http://127.0.0.1:8000/ (Ctrl+C to stop)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
