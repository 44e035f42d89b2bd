-- Every decided AP of upr_rows with its regimes and thresholds as a history row shows them, in order
-- (classify_rows_sql: read-only, for tests and checks).
SELECT w.claimant_id, w.period_start, w.period_end, iwp_regime_name(w.code), iwp_regime_name(w.p_code),
  /* include uprating_thresholds_shown */, w.easement
FROM upr_rows w
ORDER BY w.claimant_id, w.period_start;
