"""The claimant's current regime is no longer indexed: the office index keeps only the office.

An uprating rewrites the regime of every claimant who moves, and claimant_recalculate that of anyone whose
earnings move them. While the regime was in an index, each such update was a non-HOT update: a new row version
on another page and a new entry in each of the table's eleven indexes, one of them a trigram GIN. Measured on the
1,000,000-claimant development copy, 1,818 regime changes (one claimant in eleven; the bench's April uprating moves one in thirteen) took
100–220 ms with the regime indexed and 34–39 ms without it (87% of them HOT, on the room migration 0017 keeps on
each page). The index had one use, a caseload narrowed by regime within an office; that now reads the office's
rows (a few thousand) by the office index and checks the regime of each.

The office index is built before the old one is dropped, so an office's claimants are never without an index."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0021_history_outcome_fingerprint_hash"),
        ("iwp", "0011_merge_api_tokens_and_retention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claimant",
            index=models.Index(fields=["jobcentre"], name="claimant_office_idx"),
        ),
        migrations.RemoveIndex(
            model_name="claimant",
            name="claimant_office_regime_idx",
        ),
    ]
