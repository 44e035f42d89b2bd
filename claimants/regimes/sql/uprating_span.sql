-- The claimants of one chunk (ids lo <= id < hi) that the change reaches, and each one's window: the last 24
-- current assessment periods (claimant_recalculate's CYCLING_HISTORY), reached when the latest starts on or after
-- effective_from. Read from the chunk's range of earnings, for a chunk where phase two decides every claimant the
-- change reaches: phase one was skipped (no history before the change), or the checks (classify_rows_sql). After
-- phase one, uprating_span_handed.sql reads only the claimants it handed over. Params: lo, hi, effective_from.
DROP TABLE IF EXISTS upr_span;
CREATE TEMP TABLE upr_span AS
SELECT s.claimant_id, s.last_start,
  /* include uprating_window_start */,
  -- Every AP compared with its history (upr_rows.compared); a claimant phase one trusted is compared only from the
  -- change on (uprating_span_handed.sql).
  '-infinity'::date AS compare_from
FROM (
  SELECT e.claimant_id, count(*) AS n, min(e.period_start) AS first_start, max(e.period_start) AS last_start
  FROM claimants_earningsrecord e
  WHERE e.is_current AND e.claimant_id >= %(lo)s AND e.claimant_id < %(hi)s
  GROUP BY e.claimant_id
  HAVING max(e.period_start) >= %(effective_from)s
) s;
