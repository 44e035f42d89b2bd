"""Leave half of each claimant-table page free (0017 left a tenth), so a recalculation that rewrites every
claimant row is mostly HOT updates: the new row version stays on its page and none of the table's indexes (one of
them a trigram GIN) gets a new entry.

A first full calculation rewrites every claimant row, and each row grows as it gets its regime, its dates and
its explanation. A tenth of a page holds the new versions of about one row in five, so four updates in five were
new row versions elsewhere with an entry in every index. Measured on the 1,000,000-claimant development copy
(three chunks of 25,000 claimants of a first calculation, the table compacted at each setting first):

| fillfactor | updates that were HOT | the chunk's claimant-row step |
|---|---|---|
| 90 (0017) | 19% | 1.11–1.59 s |
| 60 | 73% | 0.64–0.69 s |
| 50 | 88% | 0.47–0.55 s |

The price is size: the table at 1,000,000 seeded claimants takes 460 MB instead of 252 MB, and a read of a range
of claimants (the uprating's facts, the preview) reads more pages. Measured alongside: the preview within the
machine's noise (7.8–8.8 s against 7.8–8.0 s), the recount of every coach's figures 1.0–1.25 s against 0.85–1.0 s.

PostgreSQL only (SQLite has no fillfactor). The setting applies to pages written from now on; existing pages
take it when the table is next rewritten (VACUUM FULL or pg_repack), which an operator can schedule."""

from django.db import migrations


# Its own few lines rather than 0017's helper: a migration keeps its own code, so that editing a shared helper could
# never change what a landed migration does.
def _fillfactor(value: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE claimants_claimant SET (fillfactor = {int(value)})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0023_history_fingerprint_without_rounding"),
    ]

    operations = [
        migrations.RunPython(_fillfactor(50), _fillfactor(90), elidable=False),
    ]
