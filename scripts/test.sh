#!/usr/bin/env bash
# The second README command: the whole suite against real PostgreSQL, Redis, a Celery worker and Chromium.
# Installs what is missing (apt as root), starts throwaway PostgreSQL and Redis on loopback unless
# DATABASE_URL / REDIS_URL are given, runs ruff and pytest, and always stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/bootstrap.sh

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "${DATABASE_URL:-}" ] || [ -x "${pg_bin}/initdb" ] || missing+=(postgresql)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (apt)…"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi

RUN=$(mktemp -d /tmp/iwp-test.XXXXXX); chmod 755 "$RUN"
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cleanup() {
  [ -f "$RUN/redis.pid" ] && kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  [ -d "$RUN/pg/data" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$RUN/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$RUN"
}
trap cleanup EXIT INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  port=$(free_port)
  install -d -o postgres -g postgres -m 700 "$RUN/pg"
  runuser -u postgres -- "$pg_bin/initdb" -D "$RUN/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $RUN/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/iwp"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
fi
if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/15"
  echo "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
fi

echo "ruff…"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --diff . | head -40; exit 1; }

# Hashed static files as production serves them (the templates' {% static %} needs the manifest).
.venv/bin/python manage.py collectstatic --noinput -v 0

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
echo "make test took $(( $(date +%s) - started )) s end to end (exit $status)"
exit $status
