"""The bench's table (tests.bench.run): --repeat reports the median run, the figure a target is judged by; a step left
out says so."""

from __future__ import annotations

from tests.bench.run import median_run, runs_note, worker_rows


def test_the_median_run_is_reported_with_every_runs_seconds_in_the_order_run() -> None:
    runs = [
        {"seconds": 10.4, "cpu_seconds": 20.0, "rows_written": 1},
        {"seconds": 9.6, "cpu_seconds": 19.0, "rows_written": 2},
        {"seconds": 9.9, "cpu_seconds": 19.5, "rows_written": 3},
    ]
    chosen = median_run(runs)
    assert chosen["seconds"] == 9.9
    assert chosen["rows_written"] == 3
    assert chosen["runs_seconds"] == [10.4, 9.6, 9.9]
    assert chosen["runs_cpu_seconds"] == [20.0, 19.0, 19.5]
    assert runs_note(chosen) == " (median of 3 runs: 10.4 s, 9.6 s, 9.9 s)"


def test_an_even_count_reports_the_lower_middle_run_and_one_run_has_no_note() -> None:
    chosen = median_run([{"seconds": 3.0}, {"seconds": 1.0}, {"seconds": 2.0}, {"seconds": 4.0}])
    assert chosen["seconds"] == 2.0
    single = median_run([{"seconds": 5.0}])
    assert single["seconds"] == 5.0
    assert runs_note(single) == ""


def test_the_worker_line_says_skipped_when_its_step_was_left_out_and_the_error_when_it_failed() -> None:
    assert worker_rows({}) == [
        ("(d) Per-claimant recalculation through a real Celery worker", "skipped", "", "–")
    ]
    (failed,) = worker_rows({"error": "the Celery worker exited with status 1"})
    assert failed[1].startswith("the Celery worker exited with status 1 (worker log in")
    (nobody,) = worker_rows({"submitted": 10, "completed": 0})
    assert nobody[1].startswith("no claimant seen updated")
