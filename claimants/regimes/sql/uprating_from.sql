-- Phase one of a chunk: decide only what the change can reach (issue #13). The claimants it decides (a fragment of
-- classify_floor.sql, as its "reached", with decide_from = effective_from: the span's first_start is the first AP
-- on or after the change and n counts the APs from it on): those with fewer than 24 APs from the change on, so
-- their window reaches back before it, and a history row before the first of them. That row, the latest (highest
-- id) of the last period before the change, is the previous AP's outcome, trusted as the history every
-- recalculation leaves consistent; only its regime is read, from the index (migrations 0020 and 0021). The rest of
-- the span is left to phase two.
SELECT s.claimant_id, s.last_start, s.first_start, s.n, h.regime AS prev_regime
FROM span s
CROSS JOIN LATERAL (
  SELECT h.regime
  FROM claimants_regimeassessment h
  WHERE h.claimant_id = s.claimant_id AND h.period_start < s.first_start
  ORDER BY h.period_start DESC, h.id DESC
  LIMIT 1
) h
WHERE s.n < 24
  -- Nor a claimant waiting for a recalculation, themselves or through their joint partner (uprating_waiting.sql):
  -- such history is not trusted, so they are left to phase two, compared in full, as claimant_recalculate would
  -- decide them.
  AND s.claimant_id NOT IN (/* include uprating_waiting */)
