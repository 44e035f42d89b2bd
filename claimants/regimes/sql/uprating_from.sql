-- Phase one of a chunk: decide only what the change can reach (issue #13). The claimants of this chunk with
-- current APs on or after effective_from (fewer than 24 of them, so their window reaches back before it) and a
-- latest history row before the first of them: that row is the previous AP's outcome, trusted as the history
-- every recalculation leaves consistent. Only the APs from the change on are decided (first_start here is the
-- first AP on or after effective_from, not the window's start). Params: lo, hi, effective_from.
DROP TABLE IF EXISTS upr_span;
CREATE TEMP TABLE upr_span AS
SELECT s.claimant_id, s.last_start, s.from_start AS first_start, '-infinity'::date AS compare_from,
  h.period_start AS prev_start, h.regime AS prev_regime, h.easement_active AS prev_easement
FROM (
  SELECT e.claimant_id, min(e.period_start) AS from_start, max(e.period_start) AS last_start
  FROM claimants_earningsrecord e
  WHERE e.is_current AND e.claimant_id >= %(lo)s AND e.claimant_id < %(hi)s AND e.period_start >= %(effective_from)s
  GROUP BY e.claimant_id
  HAVING count(*) < 24
) s
CROSS JOIN LATERAL (
  SELECT h.period_start, h.regime, h.easement_active
  FROM claimants_regimeassessment h
  WHERE h.claimant_id = s.claimant_id AND h.period_start < s.from_start
  -- The latest row (highest id) of the last period before the change.
  ORDER BY h.period_start DESC, h.id DESC
  LIMIT 1
) h;
