"""A claimant's earnings are indexed with their period, not by the claimant alone.

The uprating preview, phase one of an uprating and the floors read each chunk's earnings from a date on (for an
April uprating, each claimant's latest AP only). With an index on the claimant alone, PostgreSQL read every AP of
the chunk's claimants and discarded the earlier ones: for a 100,000-claimant chunk of the preview, 1,200,000 rows
read for 100,000 kept (119 ms, against 67 ms by an index with the period in it). The partial unique index on
(claimant, period) of current rows could have served, but the planner costed the claimant index as cheaper (it is a
third of the size, its duplicate keys stored once) and chose it. With the period in the only other index that
leads with the claimant, every read from a date on tests the period in the index and fetches no row of an earlier
period from the table.

Measured on the 1,000,000-claimant development copy, each code on the same chunks in alternating order: the preview's
statement 1.26 → 1.20 s for 100,000 claimants' latest APs (median of 12); phase one of a 25,000-claimant chunk
0.735 → 0.701 s (mean of 6); deciding every AP of 100,000 claimants (the floors) 10.97 → 9.24 s (median of 4).
The price is size: 361 MB against 126 MB at 12,000,000 rows. Reads of a claimant's earnings by the claimant alone
(the record page, a cascade) use the new index as they used the old one.

The new index is built before the old one is dropped, so a claimant's earnings are never without an index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0024_claimant_room_for_a_first_calculation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="earningsrecord",
            index=models.Index(fields=["claimant", "period_start"], name="earnings_claimant_period_idx"),
        ),
        migrations.AlterField(
            model_name="earningsrecord",
            name="claimant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="earnings",
                to="claimants.claimant",
            ),
        ),
    ]
