"""The bench's table (tests.bench.run): --repeat reports the median run, the figure a target is judged by; a step left
out says so."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.bench.run import (
    REFERENCE_QUERY,
    median_run,
    reference_line,
    reference_scale_line,
    run_reference,
    runs_note,
    scenario_figures,
    worker_rows,
)


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


def test_the_reference_line_gives_the_machines_speed_at_both_ends_of_the_run() -> None:
    assert reference_line(0.4214, 0.5) == (
        "Reference query (a fixed CPU-bound statement, no table; compare runs by it, smaller is faster): "
        "421 ms at the start, 500 ms at the end."
    )


def test_each_scenario_is_also_counted_in_reference_queries_to_compare_runs_of_different_hours() -> None:
    assert run_reference({"reference_seconds": 0.4, "reference_seconds_end": 0.5}) == pytest.approx(0.45)
    assert run_reference({"reference_seconds": 0.4}) == 0.4
    assert run_reference({}) is None
    steps = {
        "uprating": {"seconds": 36.0, "cpu_seconds": 70.0},
        "floor": {"seconds": 9.0},
        "floor_history": {"seconds": 18.0},
        "uprating_full": {"seconds": 90.0},
    }
    scenarios = scenario_figures(steps, 0.45)
    assert scenarios["real_uprating"]["reference_queries"] == pytest.approx(80.0)
    assert scenarios["real_uprating"]["floor"]["reference_queries"] == pytest.approx(20.0)
    assert scenarios["real_uprating"]["floor_writing_history"]["reference_queries"] == pytest.approx(40.0)
    assert scenarios["full_redecision"]["reference_queries"] == pytest.approx(200.0)
    assert "reference_queries" not in scenarios["full_redecision"]["floor"]  # its floor was not run
    assert reference_scale_line(scenarios, 0.45) == (
        "In reference queries (seconds ÷ this run's reference query, 450 ms; the same figure on a slower or "
        "faster hour): (i) job 80, floor 20 · (ii) job 200."
    )
    # Without a reference query the figures stay in seconds only, and no line is printed.
    assert "reference_queries" not in scenario_figures(steps)["real_uprating"]
    assert reference_scale_line(scenario_figures(steps), None) is None


@pytest.mark.django_db
def test_the_reference_query_runs_on_postgresql_and_does_its_fixed_work() -> None:
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_QUERY)
        (matched,) = cursor.fetchone()
    # About one in seven of three million numbers: the same work on every run, whatever the data.
    assert 400_000 < matched < 460_000
