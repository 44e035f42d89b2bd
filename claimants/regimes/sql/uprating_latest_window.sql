-- Phase two's read of history (phase one probes each AP's latest row, uprating_latest_row.sql): whole windows are
-- decided, so each claimant's history is read in one backward range scan of (claimant_id, period_start, id) from
-- the window's first AP, keeping the latest row of each period (DISTINCT ON), instead of one probe per AP; for a
-- claimant phase one trusted (upr_span.compare_from, uprating_settle.sql) only from the change on. Only periods
-- with history get a row here (a first calculation copies nothing): the insert treats a missing row as "never
-- calculated". The columns of uprating_outcome_columns.sql.
DROP TABLE IF EXISTS upr_old;
CREATE TEMP TABLE upr_old AS
SELECT h.*
FROM upr_span s
CROSS JOIN LATERAL (
  SELECT DISTINCT ON (x.period_start) x.claimant_id, x.period_start, /* include uprating_outcome_columns */
  FROM claimants_regimeassessment x
  WHERE x.claimant_id = s.claimant_id AND x.period_start >= greatest(s.first_start, s.compare_from)
  ORDER BY x.period_start DESC, x.id DESC
) h;
ANALYZE upr_old (claimant_id, period_start);
