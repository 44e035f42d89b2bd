-- The floor's outcome rows (a fragment of classify_floor.sql): one row per AP in iwp_floor_outcome, a plain table
-- without indexes, with the thresholds as displayed.
written AS (
  INSERT INTO iwp_floor_outcome
  SELECT w.claimant_id, w.period_start, iwp_regime_name(w.code), coalesce(iwp_regime_name(w.p_code), ''),
    /* include uprating_thresholds_shown */
  FROM decided w
  RETURNING regime
)
