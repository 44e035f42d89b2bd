-- Phase one's verdict and its writes (issue #13; a fragment of classify_floor.sql, as its "written", so the APs
-- from the change on are decided by the floor's own statement, with the claimants of uprating_from.sql): which
-- claimants the change leaves "settled", their history rows written, and the rest handed to phase two. Settled:
-- no regime moves from one AP to the next among the APs decided now (the first against the history row before the
-- change), none among the latest history rows from that row on, and every decided AP already has a history row.
-- For them nothing but the thresholds shown can differ: the current regime, regime_since, the IWP offer and every
-- cycling crossing (a crossing needs a move) stay as they are, and the rows to write are the periods whose figures
-- changed. Every other claimant reached goes to phase two, which decides their whole window as
-- claimant_recalculate does.
-- Before this was one statement over the floor's decisions, phase one decided into temporary tables (the span,
-- the facts, the partners' earnings, the parameters, the decided APs, each analysed) and settled them in a second
-- statement. Measured chunk by chunk at 1,000,000 claimants, the two cost the same (10.71 against 10.93 CPU-s for
-- 8 chunks): the time is in the per-AP work (two history probes, the insert), not in the temporary tables. One
-- statement keeps the preview, the floors and phase one deciding alike.
-- Needs: upr_trusted, empty. Params: job_id, effective_from_text.
written AS (
  -- Each decided AP beside its latest history row (or none) and the previous decided AP's regime and latest row.
  SELECT w.claimant_id, w.period_start, w.code, s.prev_regime, a.*,
    lag(w.code) OVER (PARTITION BY w.claimant_id ORDER BY w.period_start) AS prev_code,
    lag(a.regime) OVER (PARTITION BY w.claimant_id ORDER BY w.period_start) AS old_before
  FROM decided w
  JOIN reached s ON s.claimant_id = w.claimant_id
  /* include uprating_latest_row */
), verdict AS (
  SELECT h.claimant_id,
    bool_and(h.old_id IS NOT NULL)
    -- No move now, the first AP against the history row before the change ...
    AND NOT bool_or(iwp_regime_name(h.code) <> coalesce(iwp_regime_name(h.prev_code), h.prev_regime))
    -- ... and none in the history being replaced.
    AND NOT bool_or(h.regime <> coalesce(h.old_before, h.prev_regime)) AS settled
  FROM written h
  GROUP BY h.claimant_id
), settled AS (
  -- Counted only: phase two reads the claimants handed over below, not a list of those settled.
  SELECT v.claimant_id FROM verdict v WHERE v.settled
), trusted AS (
  -- The claimants phase one reached but did not settle (a move, or an AP never calculated or not decided) go to
  -- phase two, which decides their whole window (cycling needs it). Their history before the change is trusted
  -- just as a settled claimant's is, so phase two reads and compares only their APs from the change on
  -- (from_start): the earlier ones cannot differ.
  INSERT INTO upr_trusted
  SELECT s.claimant_id, s.first_start FROM reached s
  WHERE NOT EXISTS (SELECT 1 FROM verdict v WHERE v.claimant_id = s.claimant_id AND v.settled)
  RETURNING claimant_id
), unreached AS (
  -- The claimants of the span phase one could not reach (a window all from the change on, or no history before
  -- it) go to phase two too, compared with history in full ('-infinity'), so that phase two reads only the
  -- claimants in upr_trusted (uprating_span_handed.sql) instead of the chunk's whole range. Not counted as
  -- handed over by a move: a data-modifying CTE runs whether or not it is read.
  INSERT INTO upr_trusted
  SELECT s.claimant_id, '-infinity'::date FROM span s
  WHERE NOT EXISTS (SELECT 1 FROM reached r WHERE r.claimant_id = s.claimant_id)
  RETURNING claimant_id
), inserted AS (
  -- Only the settled claimants' rows whose outcome differs from their latest history row.
  INSERT INTO /* include uprating_settled_row */
  FROM decided w
  JOIN verdict v ON v.claimant_id = w.claimant_id AND v.settled
  JOIN written a ON a.claimant_id = w.claimant_id AND a.period_start = w.period_start
  WHERE /* include uprating_outcome_differs */
  RETURNING 1
)
