-- The preview's view of each decided AP (a fragment of classify_floor.sql, as its "written"): its latest history
-- row's regime (old), the new regime, the claimant's current regime on their latest AP only (current), whether the
-- uprating would write the AP (the insert's own test, uprating_outcome_differs.sql) and whether it is on or after
-- the change. The chunk's latest history rows are read in one range scan (uprating_latest_rows.sql).
written AS (
  SELECT a.regime AS old, iwp_regime_name(w.code) AS new,
    CASE WHEN w.period_start = w.last_start THEN w.current_regime END AS current,
    /* include uprating_outcome_differs */ AS written,
    w.period_start >= %(effective_from)s AS from_change
  FROM decided w
  /* include uprating_latest_rows */
)
