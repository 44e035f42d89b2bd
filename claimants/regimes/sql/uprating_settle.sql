-- Phase one's verdict and its writes, in one statement (issue #13, item 2): which claimants the change leaves
-- "settled", their history rows written, and the rest handed to phase two. Settled: no regime moves from one AP to
-- the next among the APs decided now (the first against the history row before the change), none among the latest
-- history rows from that row on, and every decided AP already has a history row. For them nothing but the
-- thresholds shown can differ: the current regime, regime_since, the IWP offer and every cycling crossing (a
-- crossing needs a move) stay as they are, and the rows to write are the periods whose figures changed. Every other
-- claimant reached goes to phase two, which decides their whole window as claimant_recalculate does.
-- Before this was one statement, the latest rows and the verdict were each a temporary table (with an index and an
-- ANALYZE), the unsettled claimants' APs were deleted and the first AP's previous decision updated in place before
-- a separate insert joined them back. One statement costs the same (0.29-0.31 s for a chunk of 25,000 claimants,
-- against 0.29 s for the five it replaces): the time is in the work itself (a history probe per AP, the verdict,
-- the comparison, the insert with its indexes and explanation), not in the temporary copies.
-- Needs: upr_span, upr_rows (uprating_from.sql, uprating_rows.sql); upr_settled and upr_trusted empty; upr_changed
-- (the history row's cause looks up moves there: a settled claimant has none). Params: job_id,
-- effective_from_text. Returns the claimants settled, the rows written and the claimants handed to phase two.
WITH old AS (
  -- The latest history row of every decided AP, or none. The verdict and the insert both read it.
  SELECT w.claimant_id, w.period_start, a.*
  FROM upr_rows w
  /* include uprating_latest_row */
), verdict AS (
  SELECT h.claimant_id,
    bool_and(h.old_id IS NOT NULL)
    -- No move now, the first AP against the history row before the change ...
    AND NOT bool_or(iwp_regime_name(h.code) <> coalesce(iwp_regime_name(h.prev_code), h.prev_regime))
    -- ... and none in the history being replaced.
    AND NOT bool_or(h.old_regime <> coalesce(h.old_before, h.prev_regime)) AS settled
  FROM (
    -- Each decided AP beside its latest history row and the history row of the AP before it.
    SELECT r.claimant_id, s.prev_regime, r.code, r.prev_code, o.old_id, o.regime AS old_regime,
      lag(o.regime) OVER (PARTITION BY r.claimant_id ORDER BY r.period_start) AS old_before
    FROM upr_rows r
    JOIN upr_span s ON s.claimant_id = r.claimant_id
    JOIN old o ON o.claimant_id = r.claimant_id AND o.period_start = r.period_start
  ) h
  GROUP BY h.claimant_id, h.prev_regime
), settled AS (
  INSERT INTO upr_settled SELECT v.claimant_id FROM verdict v WHERE v.settled
  RETURNING claimant_id
), trusted AS (
  -- The claimants phase one reached but did not settle (a move, or an AP never calculated or not decided) go to
  -- phase two, which decides their whole window (cycling needs it). Their history before the change is trusted
  -- just as a settled claimant's is, so phase two reads and compares only their APs from the change on
  -- (from_start): the earlier ones cannot differ.
  INSERT INTO upr_trusted
  SELECT s.claimant_id, s.first_start FROM upr_span s
  WHERE NOT EXISTS (SELECT 1 FROM verdict v WHERE v.claimant_id = s.claimant_id AND v.settled)
  RETURNING claimant_id
), written AS (
  -- Only the settled claimants' rows whose outcome differs from their latest history row.
  INSERT INTO /* include uprating_history_row */
  FROM (
    -- A settled claimant's first decided AP follows the history row before the change, whose regime is its own
    -- (no move): that row's decision stands as the previous one, so previous_regime and cause ('threshold') come
    -- out as claimant_recalculate writes them.
    SELECT r.claimant_id, r.period_start, r.period_end, r.paydays, r.employed_earnings, r.self_employed_earnings,
      r.emp, r.slf, r.pemp, r.pslf, r.kind, r.grp, r.mif, r.aet_s, r.aet_c, r.cet, r.pcet, r.hh, r.easement,
      r.code, r.p_code, r.compared, r.same_run,
      coalesce(r.prev_code, r.code) AS prev_code, coalesce(r.prev_start, s.prev_start) AS prev_start,
      coalesce(r.prev_kind, r.kind) AS prev_kind, coalesce(r.prev_easement, s.prev_easement) AS prev_easement
    FROM upr_rows r
    JOIN upr_span s ON s.claimant_id = r.claimant_id
    JOIN verdict v ON v.claimant_id = r.claimant_id AND v.settled
  ) w
  JOIN old a ON a.claimant_id = w.claimant_id AND a.period_start = w.period_start
  WHERE /* include uprating_outcome_differs */
  RETURNING 1
)
SELECT (SELECT count(*) FROM settled), (SELECT count(*) FROM written), (SELECT count(*) FROM trusted);
