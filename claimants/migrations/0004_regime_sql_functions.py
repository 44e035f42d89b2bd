"""SQL functions for the set-based uprating (claimants/uprating.py): the regime engine's decision, in PostgreSQL.

Every function is an IMMUTABLE, LANGUAGE sql, single-expression function, so the planner inlines it into the
calling query (no per-row function call). Money is in whole units of 1/1200 of a penny ("u"): an amount of
earnings in pence × 1200 is compared with a threshold of hours (×100) × rate (pence) × 52, which is exactly
``earnings × 12 >= hours × rate × 52`` (rulebook §4) in 64-bit integers, never a rounded figure.

Decision codes (one per rule that can decide, so cycling can name the threshold crossed):
1 no work-related requirements (circumstances), 2 working enough (Minimum Income Floor), 3 working enough
(individual CET), 4 working enough (household CET), 5 preparing for work, 6 planning for work, 7 light touch
(single AET), 8 light touch (couple AET), 9 intensive work search.

PostgreSQL only: on SQLite (the demo) the uprating runs the Python engine per claimant instead.
The SQL is copied here, not read from a file, so this migration never changes after it lands.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION iwp_classify(
    grp smallint, mif boolean, employed bigint, total bigint, cet bigint,
    couple boolean, couple_employed bigint, couple_total bigint, household_cet bigint,
    aet_single bigint, aet_couple bigint
) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE
    WHEN grp = 3 THEN 1
    WHEN mif THEN 2
    WHEN total * 1200 >= cet THEN 3
    WHEN couple AND couple_total * 1200 >= household_cet THEN 4
    WHEN grp = 1 THEN 5
    WHEN grp = 2 THEN 6
    WHEN employed * 1200 >= aet_single THEN 7
    WHEN couple AND couple_employed * 1200 >= aet_couple THEN 8
    ELSE 9 END)::smallint
$$;
COMMENT ON FUNCTION iwp_classify(smallint, boolean, bigint, bigint, bigint, boolean, bigint, bigint, bigint, bigint, bigint)
  IS 'One person''s regime decision code (see claimants/regimes.py _decide). grp: 0 all requirements, 1 preparing, 2 planning, 3 no requirements. Earnings in pence, thresholds in pence x 1200.';

CREATE OR REPLACE FUNCTION iwp_band_rate(
    age integer, m1 integer, r1 integer, m2 integer, r2 integer, m3 integer, r3 integer,
    m4 integer, r4 integer, m5 integer, r5 integer, m6 integer, r6 integer
) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN age >= m1 THEN r1 WHEN age >= m2 THEN r2 WHEN age >= m3 THEN r3
              WHEN age >= m4 THEN r4 WHEN age >= m5 THEN r5 WHEN age >= m6 THEN r6 END
$$;
COMMENT ON FUNCTION iwp_band_rate(integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer)
  IS 'The hourly rate in pence for an age, from up to six age bands given oldest first (min age, rate).';

CREATE OR REPLACE FUNCTION iwp_cet_u(
    grp smallint, apprentice boolean, hours integer, age_rate integer, apprentice_rate integer
) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN grp = 3 THEN 0::bigint
    WHEN apprentice THEN apprentice_rate::bigint * least(CASE WHEN grp IN (1, 2) THEN 1600 ELSE hours END, 3000) * 52
    ELSE age_rate::bigint * (CASE WHEN grp IN (1, 2) THEN 1600 ELSE hours END) * 52 END
$$;
COMMENT ON FUNCTION iwp_cet_u(smallint, boolean, integer, integer, integer)
  IS 'Individual CET in pence x 1200: hours (x100; 16 h for preparing/planning; apprentices capped at 30 h) x rate x 52; 0 for no requirements.';

CREATE OR REPLACE FUNCTION iwp_regime_name(code smallint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ('{no_work_related_requirements,working_enough,working_enough,working_enough,work_preparation,work_focused_interview,light_touch,light_touch,intensive_work_search}'::text[])[code]
$$;

CREATE OR REPLACE FUNCTION iwp_regime_rank(code smallint) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ('{0,1,1,1,3,2,4,4,5}'::smallint[])[code]
$$;
COMMENT ON FUNCTION iwp_regime_rank(smallint)
  IS 'Regime.conditionality_rank of a decision code: one value per regime, so equal ranks mean the same regime.';

CREATE OR REPLACE FUNCTION iwp_money(u bigint) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((u + 600) / 1200)::numeric / 100
$$;
COMMENT ON FUNCTION iwp_money(bigint)
  IS 'A threshold in pence x 1200 as pounds, rounded half-up to the penny (Thresholds.as_money), exactly in integers.';

CREATE OR REPLACE FUNCTION iwp_period_end(start date) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (start + interval '1 month')::date - 1
$$;
COMMENT ON FUNCTION iwp_period_end(date)
  IS 'assessment_period_end(start): the day before the next AP, anchored on the start day (PostgreSQL clamps month ends as next_period_start does).';

CREATE OR REPLACE FUNCTION iwp_date_key(d date) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (extract(year FROM d) * 10000 + extract(month FROM d) * 100 + extract(day FROM d))::integer
$$;
COMMENT ON FUNCTION iwp_date_key(date)
  IS 'yyyymmdd as an integer: (key(on) - key(born)) / 10000 is the age in completed years (29 February birthdays turn on 1 March, as age_on).';

CREATE OR REPLACE FUNCTION iwp_is_next_period(previous date, start date) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT start = (previous + interval '1 month')::date
    OR (start > (previous + interval '1 month')::date
        AND start < date_trunc('month', previous + interval '1 month') + interval '1 month'
        AND extract(day FROM previous + 1) = 1)
$$;
COMMENT ON FUNCTION iwp_is_next_period(date, date)
  IS 'cycling.is_next_period: the next AP, allowing a month-end AP to be anchored on a later day (28 Feb then 31 Mar).';
"""

DROP = """
DROP FUNCTION IF EXISTS iwp_is_next_period(date, date);
DROP FUNCTION IF EXISTS iwp_date_key(date);
DROP FUNCTION IF EXISTS iwp_period_end(date);
DROP FUNCTION IF EXISTS iwp_money(bigint);
DROP FUNCTION IF EXISTS iwp_regime_rank(smallint);
DROP FUNCTION IF EXISTS iwp_regime_name(smallint);
DROP FUNCTION IF EXISTS iwp_cet_u(smallint, boolean, integer, integer, integer);
DROP FUNCTION IF EXISTS iwp_band_rate(integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer, integer);
DROP FUNCTION IF EXISTS iwp_classify(smallint, boolean, bigint, bigint, bigint, boolean, bigint, bigint, bigint, bigint, bigint);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("claimants", "0003_casework_records")]
    operations = [migrations.RunPython(create_functions, drop_functions)]
