# Sourced by scripts/test.sh and scripts/bench.sh: install what is missing (apt, as root or through sudo) and start
# throwaway PostgreSQL and Redis on free loopback ports unless DATABASE_URL / REDIS_URL are already given. Whatever
# is started here is stopped on exit, even when the caller fails.
#
#   services_install [extra apt packages…]
#   services_start LABEL REDIS_DB [extra postgres -c options]   (exports DATABASE_URL and REDIS_URL)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true; }
_free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

services_install() {
  local missing=() pkg
  [ -n "${DATABASE_URL:-}" ] || [ -x "$(_pg_bin)/initdb" ] || missing+=(postgresql)
  [ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || missing+=(redis-server)
  for pkg in "$@"; do command -v "$pkg" >/dev/null || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} (apt)…"
    # Another apt job may hold the lock (seen in CI): wait for it, and retry a failed update once.
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq || { sleep 10; as_root apt-get -o DPkg::Lock::Timeout=300 update -qq; }
    DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
  fi
}

services_stop() {
  [ -f "$SERVICES_RUN/redis.pid" ] && kill "$(cat "$SERVICES_RUN/redis.pid")" 2>/dev/null || true
  [ -d "$SERVICES_RUN/pg/data" ] && runuser -u postgres -- "$(_pg_bin)/pg_ctl" -D "$SERVICES_RUN/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$SERVICES_RUN"
}

services_start() {
  local label=$1 redis_db=$2 port pg_bin
  shift 2
  SERVICES_RUN=$(mktemp -d "/tmp/iwp-$label.XXXXXX"); chmod 755 "$SERVICES_RUN"
  export SERVICES_RUN
  trap services_stop EXIT INT TERM
  if [ -z "${DATABASE_URL:-}" ]; then
    pg_bin=$(_pg_bin); port=$(_free_port)
    install -d -o postgres -g postgres -m 700 "$SERVICES_RUN/pg"
    runuser -u postgres -- "$pg_bin/initdb" -D "$SERVICES_RUN/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$SERVICES_RUN/pg/data" -l "$SERVICES_RUN/pg/log" -w -t 120 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $SERVICES_RUN/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off $*" \
      start >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/iwp"
    echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
  fi
  if [ -z "${REDIS_URL:-}" ]; then
    port=$(_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --dir "$SERVICES_RUN" --pidfile "$SERVICES_RUN/redis.pid" --logfile "$SERVICES_RUN/redis.log"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export REDIS_URL="redis://127.0.0.1:$port/$redis_db"
    echo "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
  fi
}
