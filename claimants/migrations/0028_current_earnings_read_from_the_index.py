"""The current earnings' unique index carries the figures the regime rules read (PostgreSQL).

The uprating's statements (the preview, phase one and two of a job, the floors) read each AP's current earnings
by the partial unique index on (claimant, period) of current rows, or by earnings_claimant_period_idx, and then
fetched every row from the table for its four figures: for a 100,000-claimant chunk of the preview, 18,000 table
pages beside the index's 4,500, the most of any relation it reads. With the figures in the index (INCLUDE) the
reads are index-only: one index of 567 MB at 12,000,000 rows (357 MB before) serves the span, the APs and the
partners' earnings.

Measured on the 1,000,000-claimant development copy, the whole preview of an April uprating, after a restart of
PostgreSQL and with the system's file cache emptied, then twice warm: 14.8 s and 16.0 s cold, 6.7–7.0 s warm with
the figures in the index, against 22.2 s and 23.0 s cold, 7.8–8.8 s warm without.

The index keeps its name, keys and condition, so Django's state (models/earnings.py) is unchanged and a later
migration that removes the constraint drops this index. SQLite (the embedded default) has no INCLUDE, and Django
would not create the constraint there at all if the model asked for one, so the model does not: this migration
rebuilds the index on PostgreSQL only. The rebuild runs in the migration's transaction, whose lock on the table
keeps out any write until the new index holds."""

from django.db import migrations

FIGURES = "employed_earnings, self_employed_earnings, non_uc_partner_employed, non_uc_partner_self_employed"


def _unique_index(include: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX one_current_earnings_per_period")
        schema_editor.execute(
            "CREATE UNIQUE INDEX one_current_earnings_per_period ON claimants_earningsrecord (claimant_id, period_start)"
            f"{include} WHERE is_current"
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("claimants", "0027_threshold_changes_recorded_by_the_database")]

    operations = [migrations.RunPython(_unique_index(f" INCLUDE ({FIGURES})"), _unique_index(""))]
