"""Audit events are append-only (issue #15): new verbs (failed sign-in, deleted), the guarded queryset as the base
manager, and on PostgreSQL a trigger that refuses UPDATE and DELETE on the table from any client — the ORM guard
(``AuditEventQuerySet``) stops the application, the trigger stops everyone else (a shell, a script, a bad migration).

SQLite (the laptop demo) keeps the ORM guard only. TRUNCATE is not refused: it needs the table owner's rights,
and the test suite's flush between transactional tests uses it; a production database should give the application
a role that does not own its tables.
"""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION iwp_audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'iwp_auditevent is append-only: % refused', TG_OP
        USING HINT = 'Audit events are never changed or deleted.';
END
$$;
DROP TRIGGER IF EXISTS iwp_auditevent_append_only ON iwp_auditevent;
CREATE TRIGGER iwp_auditevent_append_only
    BEFORE UPDATE OR DELETE ON iwp_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION iwp_audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS iwp_auditevent_append_only ON iwp_auditevent;
DROP FUNCTION IF EXISTS iwp_audit_event_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("iwp", "0005_jobcentre_nation"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={"base_manager_name": "objects", "ordering": ["-at", "-id"]},
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="verb",
            field=models.CharField(
                choices=[
                    ("logged_in", "Signed in"),
                    ("logged_out", "Signed out"),
                    ("login_failed", "Sign-in failed"),
                    ("created", "Created"),
                    ("updated", "Updated"),
                    ("deleted", "Deleted"),
                    ("viewed_sensitive", "Viewed sensitive information"),
                    ("reassigned", "Reassigned"),
                    ("recalculated", "Recalculated"),
                    ("imported", "Imported"),
                    ("exported", "Exported"),
                    ("job_started", "Started a background job"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
