"""The bench's --repeat mode reports the median run (tests.bench.run): the figure a target is judged by."""

from __future__ import annotations

from tests.bench.run import median_run, runs_note


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
