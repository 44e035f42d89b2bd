-- Which claimants of phase one the change leaves "settled": no regime moves from one AP to the next among the
-- APs decided now (the first against the history row before the change), none among the latest history rows
-- from that row on, and every decided AP already has a history row. For them nothing but the thresholds shown
-- can differ: the current regime, regime_since, the IWP offer and every cycling crossing (a crossing needs a
-- move) stay as they are, and the rows to write are the periods whose figures changed. Every other claimant
-- reached goes to phase two, which decides their whole window as claimant_recalculate does.
DROP TABLE IF EXISTS upr_settled;
CREATE TEMP TABLE upr_settled AS
WITH h AS (
  -- Each decided AP beside its latest history row (upr_old) and the history row of the AP before it.
  SELECT r.claimant_id, s.prev_regime, r.code, r.prev_code, o.old_id, o.regime AS old_regime,
    lag(o.regime) OVER (PARTITION BY r.claimant_id ORDER BY r.period_start) AS old_before
  FROM upr_rows r
  JOIN upr_span s ON s.claimant_id = r.claimant_id
  JOIN upr_old o ON o.claimant_id = r.claimant_id AND o.period_start = r.period_start
)
SELECT h.claimant_id
FROM h
GROUP BY h.claimant_id, h.prev_regime
HAVING bool_and(h.old_id IS NOT NULL)
  -- No move now, the first AP against the history row before the change ...
  AND NOT bool_or(iwp_regime_name(h.code) <> coalesce(iwp_regime_name(h.prev_code), h.prev_regime))
  -- ... and none in the history being replaced.
  AND NOT bool_or(h.old_regime <> coalesce(h.old_before, h.prev_regime));
CREATE UNIQUE INDEX ON upr_settled (claimant_id);
ANALYZE upr_settled (claimant_id);
-- Only the settled claimants' rows are written in phase one. Their first AP's previous regime is the history
-- row's, which is its own (no move), so the insert's previous_regime and cause ('threshold') come out as
-- claimant_recalculate writes them.
DELETE FROM upr_rows r WHERE NOT EXISTS (SELECT 1 FROM upr_settled x WHERE x.claimant_id = r.claimant_id);
UPDATE upr_rows r SET prev_code = r.code, prev_start = s.prev_start, prev_kind = r.kind,
  prev_easement = s.prev_easement
FROM upr_span s WHERE s.claimant_id = r.claimant_id AND r.prev_code IS NULL;
-- The claimants phase one reached but did not settle go to phase two, which decides their whole window (cycling
-- needs it). Their history before the change is trusted just as a settled claimant's is, so phase two reads and
-- compares only their APs from the change on (from_start): the earlier ones cannot differ.
DROP TABLE IF EXISTS upr_trusted;
CREATE TEMP TABLE upr_trusted AS
SELECT s.claimant_id, s.first_start AS from_start FROM upr_span s
WHERE NOT EXISTS (SELECT 1 FROM upr_settled x WHERE x.claimant_id = s.claimant_id);
CREATE UNIQUE INDEX ON upr_trusted (claimant_id);
ANALYZE upr_trusted (claimant_id);
