"""The log of threshold changes records the transaction that made each change, and a TRUNCATE (PostgreSQL).

0027's log gave each change the database's clock at its statement, and the uprating compared that with a job's
start on the application's clock. Two gaps were left: the clocks can differ, and a change made just before a job
started but committed after its first parts had read the thresholds counted as before the job. From this
migration each row also carries the id of the transaction that wrote it (``pg_current_xact_id()``) and of the
cluster (``system_identifier``: a copy restored by pg_dump counts transactions from the start again, so ids of two
clusters do not compare), and an uprating keeps the snapshot of committed transactions it was created with
(``pg_current_snapshot()``): a change of the same cluster counts as before the job when the job's snapshot sees it,
whatever either clock says and whenever it committed (uprating._changed_after). Rows logged before this, of
another cluster, and SQLite's (one writer at a time, one clock) are compared by time as before.

A TRUNCATE of either table fires no row trigger, so 0027 did not log it. A statement trigger before it now logs
every date the table holds, as deleting each row would.

The SQLite triggers are not touched: adding a column to the log leaves the threshold tables and their triggers as
they were."""

import importlib

from django.db import migrations, models

before = importlib.import_module("claimants.migrations.0027_threshold_changes_recorded_by_the_database")

# The writing transaction, and the cluster whose transaction ids it counts in.
_WHO = "pg_current_xact_id()::text::bigint, (SELECT system_identifier FROM pg_control_system())"
_WHO_COLUMNS = "transaction_id, system_identifier"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION iwp_threshold_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'recorded_at') = (to_jsonb(NEW) - 'recorded_at') THEN
        RETURN NULL;
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at, {_WHO_COLUMNS})
        VALUES (TG_TABLE_NAME, OLD.effective_from, clock_timestamp(), {_WHO});
      END IF;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.effective_from IS DISTINCT FROM OLD.effective_from) THEN
        INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at, {_WHO_COLUMNS})
        VALUES (TG_TABLE_NAME, NEW.effective_from, clock_timestamp(), {_WHO});
      END IF;
      RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION iwp_threshold_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- One row a date: the dates first, then the clock (read again for every row it is in).
      EXECUTE format('INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at, {_WHO_COLUMNS}) '
                     'SELECT %L, d.effective_from, clock_timestamp(), {_WHO} '
                     'FROM (SELECT DISTINCT effective_from FROM %I.%I) d',
                     TG_TABLE_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
      RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER iwp_{table}_truncated BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION iwp_threshold_truncated()"
        for table in before.COLUMNS
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS iwp_{table}_truncated ON {table}" for table in before.COLUMNS),
    "DROP FUNCTION IF EXISTS iwp_threshold_truncated()",
    # 0027's function, which writes no transaction id, so that the column can go.
    before.POSTGRESQL[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
]


class Migration(migrations.Migration):
    dependencies = [("claimants", "0028_current_earnings_read_from_the_index")]

    operations = [
        migrations.AddField(
            model_name="thresholdchange",
            name="transaction_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="thresholdchange",
            name="system_identifier",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        # 0027's runner: the statements for this database's vendor (none for SQLite), without placeholders.
        migrations.RunPython(
            before._run({"postgresql": POSTGRESQL}), before._run({"postgresql": POSTGRESQL_REVERSE})
        ),
    ]
