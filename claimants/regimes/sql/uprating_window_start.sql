-- The first AP of a claimant's window (s: claimant_id, n current APs, the first of them first_start): the last 24
-- current APs, claimant_recalculate's CYCLING_HISTORY. A fragment of uprating_span.sql and uprating_span_handed.sql.
CASE WHEN s.n > 24 THEN (
    SELECT x.period_start FROM claimants_earningsrecord x
    WHERE x.claimant_id = s.claimant_id AND x.is_current
    ORDER BY x.period_start DESC OFFSET 23 LIMIT 1
  ) ELSE s.first_start END AS first_start
