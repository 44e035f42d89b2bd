.PHONY: demo test bench lint format frontend clean

demo:  ## Set up and run the app on the embedded default (SQLite, tasks in-process, demo data)
	scripts/demo.sh

test:  ## Set up and run the whole suite on real PostgreSQL, Redis, Celery worker and Chromium
	scripts/test.sh

bench:  ## Benchmarks against real PostgreSQL (prints a table with a baseline from the same run)
	scripts/bench.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

frontend:  ## Rebuild the vendored GOV.UK + MoJ Frontend CSS/JS (needs npm)
	scripts/build_frontend.sh

clean:
	rm -rf staticfiles test-artefacts db.sqlite3
