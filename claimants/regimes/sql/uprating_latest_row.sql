-- The latest history row (highest id) of the decided AP w, as a, or none: one backward probe of
-- (claimant_id, period_start, id), index-only (the index carries the columns read). A fragment: phase one's
-- verdict (uprating_settle.sql) probes it once per AP (the preview reads a chunk's rows in one range scan instead,
-- uprating_latest_rows.sql).
LEFT JOIN LATERAL (
  SELECT /* include uprating_outcome_columns */
  FROM claimants_regimeassessment x
  WHERE x.claimant_id = w.claimant_id AND x.period_start = w.period_start
  ORDER BY x.id DESC LIMIT 1
) a ON true
