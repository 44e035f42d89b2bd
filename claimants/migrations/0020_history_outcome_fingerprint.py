"""Each history row carries a fingerprint of its outcome, and the (claimant, period, id) index carries the regime
and the fingerprint (PostgreSQL; the SQLite demo recalculates claimant by claimant and compares in Python).

The uprating reads, for every AP it decides, the latest history row of that period, and for every claimant the row
before the change: until now each read fetched the row from the table, a page of the 5.6 GB history per claimant
at 1,000,000 claimants, only to compare eleven columns (issue #13, item 3: "compare a stored outcome fingerprint,
not eleven columns"). With the regime and the fingerprint in the index those reads are index-only.

The fingerprint is an MD5 of the outcome's columns as stored (regime, partner's regime, earnings, easement, the
five thresholds to the penny, NULL marked apart from empty), as a uuid: computed by PostgreSQL itself for every
row whoever writes it (the job, claimant_recalculate, an import), so it cannot drift from the columns. 128 bits:
two different outcomes never share one in practice. On an existing database adding the column rewrites the
history table and rebuilds the index: schedule it with the table's size in mind."""

from django.db import migrations

_FUNCTION = """
CREATE OR REPLACE FUNCTION iwp_outcome_fingerprint(
  regime text, partner_regime text, employed numeric, self_employed numeric, easement boolean,
  aet_individual numeric, cet_individual numeric, aet_couple numeric, cet_partner numeric, cet_household numeric
) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT md5(regime || '|' || partner_regime || '|' || round(employed, 2)::text || '|'
    || round(self_employed, 2)::text || '|' || easement::text || '|' || round(aet_individual, 2)::text || '|'
    || round(cet_individual, 2)::text || '|' || coalesce(round(aet_couple, 2)::text, '-') || '|'
    || coalesce(round(cet_partner, 2)::text, '-') || '|' || coalesce(round(cet_household, 2)::text, '-'))::uuid
$$;
COMMENT ON FUNCTION iwp_outcome_fingerprint(text, text, numeric, numeric, boolean, numeric, numeric, numeric,
  numeric, numeric)
  IS 'The outcome of a history row (claimant_recalculate''s _same_outcome columns, money to the penny) as one value.'
"""

_COLUMN = """
ALTER TABLE claimants_regimeassessment ADD COLUMN outcome_fingerprint uuid GENERATED ALWAYS AS (
  iwp_outcome_fingerprint(regime, partner_regime, employed_earnings, self_employed_earnings, easement_active,
    aet_individual, cet_individual, aet_couple, cet_partner, cet_household)) STORED
"""

_INDEX = "CREATE INDEX assessment_period_latest_idx ON claimants_regimeassessment (claimant_id, period_start, id)"


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_FUNCTION)
    schema_editor.execute(_COLUMN)
    # Same name and key as the model's index (claimants.models.assessments), with the two columns alongside.
    schema_editor.execute("DROP INDEX assessment_period_latest_idx")
    schema_editor.execute(_INDEX + " INCLUDE (regime, outcome_fingerprint)")


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX assessment_period_latest_idx")
    schema_editor.execute(_INDEX)
    schema_editor.execute("ALTER TABLE claimants_regimeassessment DROP COLUMN outcome_fingerprint")
    schema_editor.execute("DROP FUNCTION iwp_outcome_fingerprint")


class Migration(migrations.Migration):
    dependencies = [
        ("claimants", "0019_uprating_moves_kept"),
    ]

    operations = [
        migrations.RunPython(_forward, _backward, elidable=False),
    ]
