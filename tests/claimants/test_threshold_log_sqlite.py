"""The threshold tables' log of changes on SQLite, the embedded default (migration 0027's SQLite triggers). The test
run is PostgreSQL's, so the triggers run here on an in-memory SQLite database with the tables' columns as they
are at 0027; `make demo` applies the same migration to the demo's database."""

from __future__ import annotations

import importlib
import sqlite3

migration = importlib.import_module("claimants.migrations.0027_threshold_changes_recorded_by_the_database")


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    for table, columns in migration.COLUMNS.items():
        db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, {', '.join(columns)}, recorded_at)")
    db.execute(
        "CREATE TABLE claimants_thresholdchange (id integer PRIMARY KEY, table_name, effective_from, changed_at)"
    )
    for statement in migration.SQLITE:
        db.execute(statement)
    return db


def _log(db: sqlite3.Connection) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT table_name, effective_from FROM claimants_thresholdchange ORDER BY id"
    ).fetchall()


def test_each_change_is_logged_with_every_date_it_touched() -> None:
    db = _database()
    db.execute(
        "INSERT INTO claimants_aetparameter (id, effective_from, single_hours, couple_hours, hourly_rate, note, "
        "recorded_at) VALUES (1, '2027-04-01', 18, 29, 13, '', '2026-12-07 10:00:00')"
    )
    assert _log(db) == [("claimants_aetparameter", "2027-04-01")]
    db.execute("UPDATE claimants_aetparameter SET recorded_at = NULL")  # the stamp alone: no change
    db.execute(
        "UPDATE claimants_aetparameter SET hourly_rate = 13 WHERE id = 1"
    )  # the same figure: none either
    assert len(_log(db)) == 1
    db.execute("UPDATE claimants_aetparameter SET hourly_rate = 13.5 WHERE id = 1")
    db.execute("UPDATE claimants_aetparameter SET effective_from = '2027-05-01' WHERE id = 1")
    db.execute(
        "INSERT INTO claimants_wagerate (id, effective_from, band, min_age, max_age, rate) "
        "VALUES (1, '2027-04-01', 'apprentice', NULL, NULL, 8)"
    )
    db.execute("UPDATE claimants_wagerate SET max_age = NULL")  # NULL to NULL: no change
    db.execute("DELETE FROM claimants_wagerate")
    assert _log(db) == [
        ("claimants_aetparameter", "2027-04-01"),
        ("claimants_aetparameter", "2027-04-01"),  # figures changed in place: its own date
        ("claimants_aetparameter", "2027-04-01"),  # moved: the date it left ...
        ("claimants_aetparameter", "2027-05-01"),  # ... and the one it moved to
        ("claimants_wagerate", "2027-04-01"),
        ("claimants_wagerate", "2027-04-01"),
    ]
    # Times as Django reads a SQLite datetime (UTC text, to the millisecond).
    (changed_at,) = db.execute("SELECT changed_at FROM claimants_thresholdchange LIMIT 1").fetchone()
    assert len(changed_at) == 23 and changed_at[4] == "-" and changed_at[10] == " "
    for statement in migration.SQLITE_REVERSE:
        db.execute(statement)
    db.execute("UPDATE claimants_aetparameter SET hourly_rate = 14")
    assert len(_log(db)) == 6


def test_the_sqlite_triggers_compare_every_column_the_models_have() -> None:
    """SQLite's update triggers name the columns they compare. A column added to either model needs a migration
    that creates them again with it (and one that remakes the table on SQLite drops them): this fails until then."""
    from claimants.models import AetParameter, WageRate

    for model in (AetParameter, WageRate):
        columns = {field.column for field in model._meta.concrete_fields} - {"id", "recorded_at"}
        assert set(migration.COLUMNS[model._meta.db_table]) == columns
