#!/usr/bin/env bash
# `make load` (also the last step of `make bench`): a bounded loopback load test. 200 simulated work coaches
# (think time 1–3 s) on the caseload, record, diary and outcome pages of the demo organisation, while an uprating
# runs, against gunicorn + a Celery worker + PostgreSQL + Redis started here and stopped afterwards. Prints
# throughput, p50/p95 per page and errors.
#
#   LOAD_USERS (200), LOAD_SECONDS (60), LOAD_WORKERS (gunicorn processes, 3), LOAD_THREADS (threads each, 2): as
#   docker-compose runs it; LOAD_UPRATINGS (once: one uprating 20 s in; continuous: back to back)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
.venv/bin/python -c 'import locust' 2>/dev/null || .venv/bin/python -m pip install -q -c requirements.lock "locust"

# shellcheck source=scripts/services.sh
. scripts/services.sh
services_install
services_start load 13
RUN=$SERVICES_RUN
export DJANGO_DEBUG=false DJANGO_SECURE_COOKIES=false DJANGO_LOG_LEVEL=WARNING
export DJANGO_SECRET_KEY="load-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost

# A fresh load database on that server (dropped and recreated), migrated, with the demo organisation.
DATABASE_URL=$(.venv/bin/python -m tests.bench.db recreate "$DATABASE_URL" "${LOAD_DB_NAME:-iwp_load}")
export DATABASE_URL
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py demo_data --if-empty >/dev/null
.venv/bin/python manage.py collectstatic --noinput -v 0

port=$(_free_port)
workers=${LOAD_WORKERS:-3}
threads=${LOAD_THREADS:-2}
.venv/bin/gunicorn iwp.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" --threads "$threads" \
  --worker-class gthread --log-level warning >"$RUN/gunicorn.log" 2>&1 &
echo $! >"$RUN/gunicorn.pid"
# Background work yields to the coaches: the worker runs at a lower CPU priority (docker-compose: cpu_shares).
nice -n 10 .venv/bin/celery -A iwp worker --pool prefork -c 1 -l WARNING >"$RUN/worker.log" 2>&1 &
echo $! >"$RUN/worker.pid"
stop_app() {
  cp "$RUN/gunicorn.log" "${TMPDIR:-/tmp}/iwp-load-gunicorn.log" 2>/dev/null || true
  kill "$(cat "$RUN/gunicorn.pid")" "$(cat "$RUN/worker.pid")" 2>/dev/null || true
  sleep 1
  services_stop
}
trap stop_app EXIT INT TERM
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz/" >/dev/null && break; sleep 0.2; done

# Coaches signed in beforehand (they sign in once a day: a PBKDF2 hash per sign-in would otherwise be the whole
# test for its first minute); sign-in itself is measured by the auth tests' lockout timings, not here.
.venv/bin/python manage.py shell -c "
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from iwp.models import Role, StaffMember
keys = []
for user in StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True).order_by('pk'):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = 'iwp.access.StaffBackend'
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    keys.append(s.session_key)
open('$RUN/sessions.txt', 'w').write(chr(10).join(keys))
print(f'{len(keys)} coaches signed in')"
export LOAD_SESSIONS="$RUN/sessions.txt"

users=${LOAD_USERS:-200}
seconds=${LOAD_SECONDS:-60}
echo "Load: $users coaches for $seconds s; gunicorn $workers workers x $threads threads (gthread) on $(nproc) cores"
# CPU seconds by program over the run (where the time goes: the app, PostgreSQL, the worker, locust itself).
cpu_by_program() {  # milliseconds of CPU by program name, from /proc (ps rounds to whole seconds)
  .venv/bin/python -c '
import collections, glob, os
ms, tick = collections.Counter(), 1000 / os.sysconf("SC_CLK_TCK")
for stat in glob.glob("/proc/[0-9]*/stat"):
    try:
        text = open(stat).read()
    except OSError:
        continue
    name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    ms[name.split(":")[0].split()[0]] += (int(rest[11]) + int(rest[12])) * tick
for name, value in ms.items():
    print(name, int(value))'
}
cpu_by_program >"$RUN/cpu.before"
# An uprating through the real worker while the coaches work, started once they all have (20 s in); with
# LOAD_UPRATINGS=continuous, upratings back to back for the whole run instead (a stress case).
if [ "${LOAD_UPRATINGS:-once}" = continuous ]; then
  .venv/bin/python -m tests.bench.uprating_loop "$seconds" >"$RUN/uprating.log" 2>&1 &
else
  .venv/bin/python -m tests.bench.uprating_loop "$seconds" 20 >"$RUN/uprating.log" 2>&1 &
fi
uprating_loop=$!
TIMEFORMAT='%U %S'  # locust's own CPU (it starts and ends between the two snapshots)
{ time .venv/bin/locust -f tests/bench/load.py --headless -u "$users" -r 20 -t "${seconds}s" \
  --host "http://127.0.0.1:$port" --csv "$RUN/load" --only-summary --loglevel WARNING >"$RUN/locust.log" 2>&1 || true; } \
  2>"$RUN/locust.cpu"
cpu_by_program >"$RUN/cpu.after"
wait "$uprating_loop" || true
awk '{printf "locust %d\n", ($1 + $2) * 1000}' "$RUN/locust.cpu" >>"$RUN/cpu.after"
.venv/bin/python - "$RUN/load_stats.csv" "$RUN/cpu.before" "$RUN/cpu.after" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
before, after = ({k: int(v) for k, v in (line.split() for line in open(f))} for f in sys.argv[2:4])
import pathlib
failures = pathlib.Path(sys.argv[1].replace("_stats.csv", "_failures.csv"))
if failures.exists():
    for r in list(csv.DictReader(failures.open()))[:5]:
        print(f"failure: {r['Name']}: {r['Error'][:120]} x{r['Occurrences']}")
print(f"{'page':<18}{'requests':>10}{'failures':>10}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
for r in rows:
    print(f"{r['Name']:<18}{r['Request Count']:>10}{r['Failure Count']:>10}{float(r['Requests/s']):>8.1f}"
          f"{r['50%']:>8}{r['95%']:>8}{float(r['Max Response Time']):>8.0f}")
requests = int(rows[-1]["Request Count"]) or 1
cpu = {k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)}
top = sorted(cpu.items(), key=lambda kv: -kv[1])[:5]
print("CPU per request, by program: " + ", ".join(f"{name} {ms / requests:.1f} ms" for name, ms in top))
PY
tail -1 "$RUN/uprating.log"
