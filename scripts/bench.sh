#!/usr/bin/env bash
# `make bench`: seed a national-scale synthetic caseload into a fresh PostgreSQL database and print one table of
# figures (the set-based uprating against its SQL floor and a per-claimant baseline from the same run, Celery
# latency, earnings ingest, peak memory). Not timed tests: nothing here is collected by pytest.
#
#   scripts/bench.sh                    # 1,000,000 claimants (the default)
#   scripts/bench.sh --quick            # 50,000 claimants, to try it fast
#   scripts/bench.sh --claimants 200000
#   scripts/bench.sh --repeat 3          # each job, floor and the preview 3 times: the median run is reported
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

# shellcheck source=scripts/services.sh
. scripts/services.sh
services_install
if [ -z "${DATABASE_URL:-}" ]; then export BENCH_THROWAWAY_PG=1; fi
# Benchmark tuning for a 2-core / 24 GB machine (services.sh already turns fsync, synchronous_commit and
# full_page_writes OFF for its throwaway cluster: acceptable for benchmark data only; the output says so).
services_start bench 14 -c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=512MB \
  -c max_wal_size=4GB -c checkpoint_timeout=30min -c wal_level=minimal -c max_wal_senders=0 \
  -c effective_cache_size=16GB -c random_page_cost=1.1 -c jit=off
bench_db=${BENCH_DB_NAME:-iwp_bench}
RUN=$SERVICES_RUN

# A fresh bench database on that server (dropped and recreated), then the project's own migrations into it.
DATABASE_URL=$(.venv/bin/python -m tests.bench.db recreate "$DATABASE_URL" "$bench_db")
export DATABASE_URL
export DJANGO_DEBUG=false DJANGO_LOG_LEVEL=WARNING BENCH_TMP="$RUN"
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
.venv/bin/python manage.py migrate --noinput -v 0

set +e
.venv/bin/python -m tests.bench.run "$@"
status=$?
set -e
echo "make bench took $(( $(date +%s) - started )) s end to end (exit $status)"
exit $status
