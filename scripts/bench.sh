#!/usr/bin/env bash
# `make bench`: seed a national-scale synthetic caseload into a fresh PostgreSQL database and print one table of
# figures (the set-based uprating against its SQL floor and a per-claimant baseline from the same run, Celery
# latency, earnings ingest, peak memory). Not timed tests: nothing here is collected by pytest.
#
#   scripts/bench.sh                    # 1,000,000 claimants (the default)
#   scripts/bench.sh --quick            # 50,000 claimants, to try it fast
#   scripts/bench.sh --claimants 200000
#
# Like scripts/test.sh it installs what is missing (apt as root) and starts throwaway PostgreSQL and Redis on free
# loopback ports unless DATABASE_URL / REDIS_URL are given, and always stops what it started. The throwaway
# PostgreSQL is tuned for a benchmark (fsync and synchronous_commit OFF: fine for throwaway data, never for real
# data). With DATABASE_URL given, the bench uses a separate database on that server (BENCH_DB_NAME, default
# iwp_bench), dropped and recreated first; that server's own settings are reported as found.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/bootstrap.sh

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "${DATABASE_URL:-}" ] || [ -x "${pg_bin}/initdb" ] || missing+=(postgresql)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (apt)…"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi

RUN=$(mktemp -d /tmp/iwp-bench.XXXXXX); chmod 755 "$RUN"
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cleanup() {
  [ -f "$RUN/redis.pid" ] && kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  [ -d "$RUN/pg/data" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$RUN/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$RUN"
}
trap cleanup EXIT INT TERM

bench_db=${BENCH_DB_NAME:-iwp_bench}
if [ -z "${DATABASE_URL:-}" ]; then
  port=$(free_port)
  install -d -o postgres -g postgres -m 700 "$RUN/pg"
  runuser -u postgres -- "$pg_bin/initdb" -D "$RUN/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  # Benchmark tuning for a 2-core / 24 GB machine. fsync, synchronous_commit and full_page_writes are OFF:
  # acceptable for a throwaway benchmark cluster only (the output says so).
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/log" -w -t 120 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $RUN/pg \
        -c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=512MB \
        -c max_wal_size=4GB -c checkpoint_timeout=30min -c wal_level=minimal -c max_wal_senders=0 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c effective_cache_size=16GB -c random_page_cost=1.1 -c jit=off" \
    start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export BENCH_THROWAWAY_PG=1
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, tuned for the bench)"
fi
if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/14"
  echo "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
fi

# A fresh bench database on that server (dropped and recreated), then the project's own migrations into it.
DATABASE_URL=$(.venv/bin/python -m tests.bench.db recreate "$DATABASE_URL" "$bench_db")
export DATABASE_URL
export DJANGO_DEBUG=false DJANGO_LOG_LEVEL=WARNING BENCH_TMP="$RUN"
.venv/bin/python manage.py migrate --noinput -v 0

set +e
.venv/bin/python -m tests.bench.run "$@"
status=$?
set -e
echo "make bench took $(( $(date +%s) - started )) s end to end (exit $status)"
exit $status
