-- The preview's counts for one chunk in one grouped read: per old regime (the latest history row), new regime,
-- the claimant's current regime (on their latest AP's row only), whether the AP would be written, and whether it
-- is on or after the change. "Written" is the insert's own test (uprating_outcome_differs.sql). Each AP's latest
-- history row is probed here, in the same pass, rather than first copied to upr_old and joined back: that copy
-- and the hash joins it needed cost 0.15–0.2 s more per 100,000 claimants. Params: lo, hi, effective_from.
SELECT a.regime, iwp_regime_name(w.code),
  CASE WHEN w.period_start = s.last_start THEN c.current_regime END,
  /* include uprating_outcome_differs */,
  w.period_start >= %(effective_from)s,
  count(*)
FROM upr_rows w
JOIN upr_span s ON s.claimant_id = w.claimant_id
-- The chunk's claimants read once in id order, not probed one by one (see uprating_facts.sql).
JOIN (
  SELECT x.id, x.current_regime FROM claimants_claimant x WHERE x.id >= %(lo)s AND x.id < %(hi)s OFFSET 0
) c ON c.id = w.claimant_id
/* include uprating_latest_row */
GROUP BY 1, 2, 3, 4, 5
