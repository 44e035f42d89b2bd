-- The latest history row (highest id) of the decided AP w, as a, or none: one backward probe of
-- (claimant_id, period_start, id), index-only (the index carries the columns read). A fragment: phase one's
-- verdict (uprating_settle.sql) and the preview's counts (uprating_preview_compared.sql) each probe it once per AP.
LEFT JOIN LATERAL (
  SELECT /* include uprating_outcome_columns */
  FROM claimants_regimeassessment x
  WHERE x.claimant_id = w.claimant_id AND x.period_start = w.period_start
  ORDER BY x.id DESC LIMIT 1
) a ON true
