-- The claimants of one chunk (ids lo <= id < hi) that the change reaches, and each one's window: the last 24
-- current assessment periods (claimant_recalculate's CYCLING_HISTORY), reached when the latest starts on or after
-- effective_from. Claimants phase one settled (upr_settled, uprating_settle.sql) are left out. Params: lo, hi,
-- effective_from.
DROP TABLE IF EXISTS upr_span;
CREATE TEMP TABLE upr_span AS
SELECT s.claimant_id, s.last_start,
  CASE WHEN s.n > 24 THEN (
    SELECT x.period_start FROM claimants_earningsrecord x
    WHERE x.claimant_id = s.claimant_id AND x.is_current
    ORDER BY x.period_start DESC OFFSET 23 LIMIT 1
  ) ELSE s.first_start END AS first_start,
  -- A claimant phase one trusted (uprating_settle.sql) is compared with history only from the change on: the
  -- periods before it cannot differ from their history. Carried on every decided AP (upr_rows.compared), so
  -- neither the insert nor the history read joins upr_trusted again.
  coalesce((SELECT t.from_start FROM upr_trusted t WHERE t.claimant_id = s.claimant_id), '-infinity') AS compare_from
FROM (
  SELECT e.claimant_id, count(*) AS n, min(e.period_start) AS first_start, max(e.period_start) AS last_start
  FROM claimants_earningsrecord e
  WHERE e.is_current AND e.claimant_id >= %(lo)s AND e.claimant_id < %(hi)s
  GROUP BY e.claimant_id
  HAVING max(e.period_start) >= %(effective_from)s
) s
WHERE NOT EXISTS (SELECT 1 FROM upr_settled x WHERE x.claimant_id = s.claimant_id);
