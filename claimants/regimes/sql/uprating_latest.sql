-- The latest history row (highest id) of every decided AP, or none: one backward probe of
-- (claimant_id, period_start, id) per AP. Phase one reads it to settle claimants (uprating_settle.sql) and both
-- phases compare against it (uprating_insert.sql), so each AP's history is probed once.
DROP TABLE IF EXISTS upr_old;
CREATE TEMP TABLE upr_old AS
SELECT r.claimant_id, r.period_start, a.*
FROM upr_rows r
LEFT JOIN LATERAL (
  SELECT /* include uprating_outcome_columns */
  FROM claimants_regimeassessment x
  WHERE x.claimant_id = r.claimant_id AND x.period_start = r.period_start
  ORDER BY x.id DESC LIMIT 1
) a ON true;
ANALYZE upr_old (claimant_id, period_start);
