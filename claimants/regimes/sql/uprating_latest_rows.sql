-- The latest history row (highest id) of each decided AP w of the chunk, as a, or none: the preview's read of
-- history (uprating_preview_compared.sql). One backward range scan of the (claimant_id, period_start, id) index
-- over the chunk's rows from decide_from on, index-only (the index carries the columns read), the first row of
-- each period kept, then hashed. Probing the index once per AP (uprating_latest_row.sql, which phase one keeps)
-- took longer: three 100,000-claimant chunks of a real uprating 5.1 s against 4.5 s (six rounds). The scan reads
-- every version of each period from decide_from on (about 0.9 us an entry, against about 3.3 us a probe), so it
-- stays cheaper while those periods have fewer than about three versions on average: the periods an uprating
-- previews are its own and later, which few recalculations have rewritten yet (the bench's have one).
-- A FULL join, because PostgreSQL may only hash (or merge) one: as a LEFT join it was planned as a nested loop
-- that ran the whole scan again for every AP once the planner expected a few APs out of the decisions, as it does
-- for a chunk small beside the caseload (25,000 claimants of 1,000,000: minutes instead of 0.4 s). Its rows with
-- no decided AP (history of a period not decided, w null) carry no new regime and are left out of every count
-- (_preview_chunks).
FULL JOIN (
  SELECT DISTINCT ON (x.claimant_id, x.period_start) x.claimant_id AS a_claimant_id,
    x.period_start AS a_period_start, /* include uprating_outcome_columns */
  FROM claimants_regimeassessment x
  WHERE x.claimant_id >= %(lo)s AND x.claimant_id < %(hi)s
    AND x.period_start >= coalesce(%(decide_from)s::date, '-infinity')
  ORDER BY x.claimant_id DESC, x.period_start DESC, x.id DESC
) a ON a.a_claimant_id = w.claimant_id AND a.a_period_start = w.period_start
