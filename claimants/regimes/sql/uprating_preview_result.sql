-- The preview's counts for one chunk (a fragment of classify_floor.sql, as its "result"): the claimants the
-- change reaches (span) and how many of them wait for a recalculation, then one row per (old, new, current,
-- written, from_change) with its count of APs. A chunk whose claimants have no AP decided still gives one row,
-- with NULL counts, for its claimants reached.
SELECT (SELECT count(*) FROM span) AS reached,
  -- Those of them waiting for a recalculation: the job decides their whole window, so it may write more rows for
  -- them than the APs counted here (the page says so).
  (SELECT count(*) FROM span s WHERE s.claimant_id IN (/* include uprating_waiting */)) AS waiting,
  g.old, g.new, g.current, g.written, g.from_change, g.aps
FROM (SELECT 1) one
LEFT JOIN (
  SELECT w.old, w.new, w.current, w.written, w.from_change, count(*) AS aps FROM written w GROUP BY 1, 2, 3, 4, 5
) g ON true
