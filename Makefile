.PHONY: demo test bench load lint lock format frontend clean

demo:  ## Set up and run the app on the embedded default (SQLite, tasks in-process, demo data)
	scripts/demo.sh

test:  ## Set up and run the whole suite on real PostgreSQL, Redis, Celery worker and Chromium
	scripts/test.sh

bench:  ## Benchmarks against real PostgreSQL (prints a table with a baseline from the same run)
	scripts/bench.sh

load:  ## Bounded loopback load test: 200 simulated coaches for 60 s while an uprating runs (locust)
	scripts/load.sh

lint:  ## ruff, and import-linter's layer contracts (pyproject.toml)
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache

lock:  ## Refresh requirements.lock from pyproject.toml (uv, resolved for Python 3.11 on x86_64 Linux)
	scripts/bootstrap.sh
	.venv/bin/python -m pip install -q "uv==0.13.8"
	.venv/bin/uv pip compile pyproject.toml --extra test --extra load --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --upgrade -q -o requirements.lock --custom-compile-command "make lock"

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

frontend:  ## Rebuild the vendored GOV.UK + MoJ Frontend CSS/JS (needs npm)
	scripts/build_frontend.sh

clean:
	rm -rf staticfiles test-artefacts db.sqlite3
