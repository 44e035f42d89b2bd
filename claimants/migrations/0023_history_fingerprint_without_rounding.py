"""The outcome fingerprint (migration 0021) hashes its money as given, without ``round(…, 2)``: every stored
fingerprint stays exactly as it was, and each new one costs less (PostgreSQL; nothing on SQLite).

Why nothing stored changes: every caller passes money that already has at most two decimal places. The stored
fingerprint is generated from the history row's own columns, which are ``numeric(10, 2)``; the uprating's side
(uprating_outcome_differs.sql) passes the earnings records' ``numeric(10, 2)`` columns and ``iwp_money``'s pence
divided by 100, which is exact. For such a value ``round(x, 2)`` equals ``x``, and equal numerics hash alike
(a hash opclass must: a hash join relies on it; trailing zeros are ignored), so the row hashes to the same 64 bits
with or without the rounding. Only a value with a third decimal place would now hash apart from its rounded
self, and no caller has one. The function is replaced in place (same arguments, same result type), so neither the
generated column nor the index that carries it is rebuilt.

Measured on the 1,000,000-claimant development copy, over 2,000,000 history rows: a fingerprint cost 0.6 µs with
the rounding and 0.3 µs without. Inserting 300,000 history rows, whose fingerprints PostgreSQL generates, took
672 ms with it and 613 ms without. A full re-decision at 1,000,000 claimants computes about 17,000,000
fingerprints (issue #13)."""

import importlib

from django.db import migrations

_previous = importlib.import_module("claimants.migrations.0021_history_outcome_fingerprint_hash")

_FUNCTION = """
CREATE OR REPLACE FUNCTION iwp_outcome_fingerprint(
  regime text, partner_regime text, employed numeric, self_employed numeric, easement boolean,
  aet_individual numeric, cet_individual numeric, aet_couple numeric, cet_partner numeric, cet_household numeric
) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT hash_record_extended(ROW(regime, partner_regime, employed, self_employed, easement,
    aet_individual, cet_individual, aet_couple, cet_partner, cet_household), 0)
$$;
COMMENT ON FUNCTION iwp_outcome_fingerprint(text, text, numeric, numeric, boolean, numeric, numeric, numeric,
  numeric, numeric)
  IS 'The outcome of a history row (claimant_recalculate''s _same_outcome columns) as one value; money at most to the penny, as the columns hold it.'
"""


def _replace(function: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(function)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0022_claimant_regime_not_indexed"),
    ]

    operations = [
        migrations.RunPython(
            _replace(_FUNCTION),
            _replace(_previous._FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)),
            elidable=False,
        ),
    ]
