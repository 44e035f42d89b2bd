"""The history row's outcome fingerprint becomes a 64-bit hash of the outcome (``hash_record_extended``) instead of
an MD5 of its text (migration 0020), for speed (PostgreSQL; nothing on SQLite, where the demo compares in Python).

Measured on 1,000,000 history rows: the MD5 fingerprint cost 1.8 µs a row (the MD5 about 0.9 µs, turning the
amounts into text and joining them most of the rest); the hash of the same columns as a row costs 0.55 µs. The
uprating computes one for every AP it decides and PostgreSQL one for every row it writes: at 1,000,000 claimants
a full re-decision computes about 17,000,000 (issue #13).

Why 64 bits are enough: the fingerprint is only ever compared between an AP's latest history row and the outcome
the uprating would write for the same claimant's same AP, to decide whether to write a row. Two different
outcomes share a 64-bit hash with a chance of about one in 1.8 × 10¹⁹ per comparison: a full re-decision at
1,000,000 claimants (12,000,000 comparisons) would miss a change about once in 10¹² runs. An uprating changes
only thresholds, which administrators set; the earnings in both outcomes are the same recorded figures, so no
claimant can steer a collision. The hash is PostgreSQL's own (the one hash partitioning relies on staying stable
across releases); if a release ever changed it, every stored fingerprint would differ from a new one and the next
uprating would write a row for every AP it decides: more rows, never a lost change.

Money is hashed to the penny (``round(…, 2)``; a numeric's hash ignores trailing zeros, as its equality does) and
a missing threshold (NULL) is hashed apart from zero. The column, the function and the index are rebuilt; on an
existing database this rewrites the history table (86 s for 12,000,000 rows on the development copy)."""

import importlib

from django.db import migrations

_previous = importlib.import_module("claimants.migrations.0020_history_outcome_fingerprint")

_FUNCTION = """
CREATE FUNCTION iwp_outcome_fingerprint(
  regime text, partner_regime text, employed numeric, self_employed numeric, easement boolean,
  aet_individual numeric, cet_individual numeric, aet_couple numeric, cet_partner numeric, cet_household numeric
) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT hash_record_extended(ROW(regime, partner_regime, round(employed, 2), round(self_employed, 2), easement,
    round(aet_individual, 2), round(cet_individual, 2), round(aet_couple, 2), round(cet_partner, 2),
    round(cet_household, 2)), 0)
$$;
COMMENT ON FUNCTION iwp_outcome_fingerprint(text, text, numeric, numeric, boolean, numeric, numeric, numeric,
  numeric, numeric)
  IS 'The outcome of a history row (claimant_recalculate''s _same_outcome columns, money to the penny) as one value.'
"""

_COLUMN = """
ALTER TABLE claimants_regimeassessment ADD COLUMN outcome_fingerprint bigint GENERATED ALWAYS AS (
  iwp_outcome_fingerprint(regime, partner_regime, employed_earnings, self_employed_earnings, easement_active,
    aet_individual, cet_individual, aet_couple, cet_partner, cet_household)) STORED
"""


def _rebuild(schema_editor, function: str, column: str) -> None:
    # Dropping the column drops the index that carries it; the function's result type cannot be replaced in place.
    schema_editor.execute("ALTER TABLE claimants_regimeassessment DROP COLUMN outcome_fingerprint")
    schema_editor.execute("DROP FUNCTION iwp_outcome_fingerprint")
    schema_editor.execute(function)
    schema_editor.execute(column)
    schema_editor.execute(_previous._INDEX + " INCLUDE (regime, outcome_fingerprint)")


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, _FUNCTION, _COLUMN)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, _previous._FUNCTION, _previous._COLUMN)


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0020_history_outcome_fingerprint"),
    ]

    operations = [
        migrations.RunPython(_forward, _backward, elidable=False),
    ]
