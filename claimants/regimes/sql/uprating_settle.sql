-- Which claimants of phase one the change leaves "settled": no regime moves from one AP to the next among the
-- APs decided now (the first against the history row before the change), none among the latest history rows
-- from that row on, and every decided AP already has a history row. For them nothing but the thresholds shown
-- can differ: the current regime, regime_since, the IWP offer and every cycling crossing (a crossing needs a
-- move) stay as they are, and the rows to write are the periods whose figures changed. Every other claimant
-- reached goes to phase two, which decides their whole window as claimant_recalculate does.
DROP TABLE IF EXISTS upr_settled;
CREATE TEMP TABLE upr_settled AS
WITH fresh AS (
  SELECT r.claimant_id, count(*) AS decided,
    bool_or(iwp_regime_name(r.code) <> coalesce(iwp_regime_name(r.prev_code), s.prev_regime)) AS moved
  FROM upr_rows r JOIN upr_span s ON s.claimant_id = r.claimant_id
  GROUP BY r.claimant_id
), recorded AS (
  SELECT h.claimant_id,
    count(*) FILTER (WHERE h.period_start >= s.first_start
      AND EXISTS (SELECT 1 FROM upr_rows r WHERE r.claimant_id = h.claimant_id AND r.period_start = h.period_start))
      AS matched,
    bool_or(h.period_start > s.prev_start AND h.regime <> h.before) AS moved
  FROM (
    SELECT h.claimant_id, h.period_start, h.regime,
      lag(h.regime) OVER (PARTITION BY h.claimant_id ORDER BY h.period_start) AS before
    FROM (
      -- The latest row of each period from the one before the change on.
      SELECT DISTINCT ON (h.claimant_id, h.period_start) h.claimant_id, h.period_start, h.regime
      FROM claimants_regimeassessment h
      JOIN upr_span s ON s.claimant_id = h.claimant_id AND h.period_start >= s.prev_start
      WHERE h.claimant_id >= %(lo)s AND h.claimant_id < %(hi)s
      ORDER BY h.claimant_id, h.period_start, h.id DESC
    ) h
  ) h
  JOIN upr_span s ON s.claimant_id = h.claimant_id
  GROUP BY h.claimant_id
)
SELECT f.claimant_id
FROM fresh f JOIN recorded o ON o.claimant_id = f.claimant_id
WHERE NOT f.moved AND NOT o.moved AND o.matched = f.decided;
CREATE UNIQUE INDEX ON upr_settled (claimant_id);
ANALYZE upr_settled;
-- Only the settled claimants' rows are written in phase one. Their first AP's previous regime is the history
-- row's, which is its own (no move), so the insert's previous_regime and cause ('threshold') come out as
-- claimant_recalculate writes them.
DELETE FROM upr_rows r WHERE NOT EXISTS (SELECT 1 FROM upr_settled x WHERE x.claimant_id = r.claimant_id);
UPDATE upr_rows r SET prev_code = r.code, prev_start = s.prev_start, prev_kind = r.kind,
  prev_easement = s.prev_easement
FROM upr_span s WHERE s.claimant_id = r.claimant_id AND r.prev_code IS NULL;
