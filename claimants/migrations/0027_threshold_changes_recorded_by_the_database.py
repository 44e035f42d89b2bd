"""Every change to an AET or wage-rate row recorded by the database itself (issue #13): ``ThresholdChange``, one row
per date a change touched, written by triggers on both tables, so a row deleted or edited from a shell, by
``QuerySet.update()`` or in SQL counts for the uprating's date check as one edited in Django admin does
(``recorded_at`` and admin's audit, which stay for the changes made before this).

PostgreSQL: one PL/pgSQL function for both tables. An update counts only when a column besides ``recorded_at``
differs, so the stamp alone (as the test fixtures clear it) is no change. SQLite (the embedded default): three
triggers a table, the columns compared by name as they are at this migration. A later migration that alters either
table on SQLite remakes it, which drops its triggers: it must create them again (``SQLITE``), with any new column.

The time is the database's clock at the statement; the uprating compares it with a job's start, taken on the
application's clock. On one machine, or two kept in step by NTP, they agree to well under a second.

The rows already there were loaded by the data migrations or before this, and are not logged: they count as
applied, as their empty ``recorded_at`` does."""

from django.db import migrations, models

COLUMNS = {
    "claimants_aetparameter": [
        "effective_from",
        "single_cash",
        "couple_cash",
        "single_hours",
        "couple_hours",
        "hourly_rate",
        "note",
    ],
    "claimants_wagerate": ["effective_from", "band", "min_age", "max_age", "rate"],
}

POSTGRESQL = [
    """
    CREATE FUNCTION iwp_threshold_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'recorded_at') = (to_jsonb(NEW) - 'recorded_at') THEN
        RETURN NULL;
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at)
        VALUES (TG_TABLE_NAME, OLD.effective_from, clock_timestamp());
      END IF;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.effective_from IS DISTINCT FROM OLD.effective_from) THEN
        INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at)
        VALUES (TG_TABLE_NAME, NEW.effective_from, clock_timestamp());
      END IF;
      RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER iwp_{table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION iwp_threshold_changed()"
        for table in COLUMNS
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS iwp_{table}_changed ON {table}" for table in COLUMNS),
    "DROP FUNCTION IF EXISTS iwp_threshold_changed()",
]

# SQLite keeps datetimes as UTC text, which Django reads back (USE_TZ).
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _log(table: str, row: str) -> str:
    return (
        "INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at) "
        f"VALUES ('{table}', {row}.effective_from, {_NOW});"
    )


def _sqlite(table: str, columns: list[str]) -> list[str]:
    differs = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
    moved = (
        "INSERT INTO claimants_thresholdchange (table_name, effective_from, changed_at) "
        f"SELECT '{table}', NEW.effective_from, {_NOW} WHERE NEW.effective_from IS NOT OLD.effective_from;"
    )
    return [
        f"CREATE TRIGGER iwp_{table}_added AFTER INSERT ON {table} BEGIN {_log(table, 'NEW')} END",
        f"CREATE TRIGGER iwp_{table}_edited AFTER UPDATE ON {table} WHEN {differs} "
        f"BEGIN {_log(table, 'OLD')} {moved} END",
        f"CREATE TRIGGER iwp_{table}_deleted AFTER DELETE ON {table} BEGIN {_log(table, 'OLD')} END",
    ]


SQLITE = [statement for table, columns in COLUMNS.items() for statement in _sqlite(table, columns)]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS iwp_{table}_{event}" for table in COLUMNS for event in ("added", "edited", "deleted")
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)  # no placeholders: SQLite's strftime has %

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0026_thresholds_recorded_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThresholdChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("table_name", models.CharField(max_length=40)),
                ("effective_from", models.DateField()),
                ("changed_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["changed_at", "id"],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
