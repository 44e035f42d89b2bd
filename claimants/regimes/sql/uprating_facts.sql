-- The facts the big pass (uprating_rows.sql) joins for the claimants in upr_span: their facts version by version
-- (upr_cl), their partners' (upr_pf) and their partners' earnings (upr_pe), each a small analysed temporary table.
DROP TABLE IF EXISTS upr_cl;
CREATE TEMP TABLE upr_cl AS
-- One row per version of the claimant's facts (claimants_claimantfacts, issue #16) that reaches the window: the
-- facts in force from v_from (the start of the claim when NULL) to v_to (exclusive; open when NULL).
SELECT cc.id, v.partner_id,
  (CASE WHEN v.partner_id IS NOT NULL THEN 1 WHEN v.has_non_uc_partner THEN 2 ELSE 0 END)::smallint AS kind,
  iwp_date_key(cc.date_of_birth) AS dob_key, /* include uprating_youngest_key */,
  (CASE v.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
    WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS grp,
  v.minimum_income_floor AS mif, v.apprentice, (v.expected_hours * 100)::integer AS hours,
  coalesce(v.effective_from, '-infinity'::date) AS v_from, coalesce(v.effective_to, 'infinity'::date) AS v_to,
  ea.easements
FROM upr_span s
-- The id range is repeated on every large table so each chunk reads only its own slice of the index. The
-- claimants' slice is read once in id order (OFFSET 0 keeps it a scan of its own): the planner, misjudging the
-- facts join tenfold, otherwise probed the primary key once per claimant (0.27 s for 100,000, now 0.05 s).
JOIN (
  SELECT x.id, x.date_of_birth FROM claimants_claimant x WHERE x.id >= %(lo)s AND x.id < %(hi)s OFFSET 0
) cc ON cc.id = s.claimant_id
JOIN claimants_claimantfacts v ON v.claimant_id = s.claimant_id AND v.claimant_id >= %(lo)s
  AND v.claimant_id < %(hi)s AND (v.effective_to IS NULL OR v.effective_to > s.first_start)
LEFT JOIN (
  -- An easement is active in an AP it overlaps (claimant_recalculate).
  SELECT x.claimant_id, range_agg(daterange(x.starts_on, x.ends_on, '[]')) AS easements
  FROM claimants_easement x WHERE x.claimant_id >= %(lo)s AND x.claimant_id < %(hi)s
  GROUP BY x.claimant_id
) ea ON ea.claimant_id = cc.id;
-- Indexed for the insert's cause of a move that is not earnings (a lookup per such row, not a scan).
CREATE INDEX ON upr_cl (id);
ANALYZE upr_cl (id, partner_id, v_from, v_to);
DROP TABLE IF EXISTS upr_pf;
CREATE TEMP TABLE upr_pf AS
-- The partners' facts, version by version: a partner's own hours and group in an AP are theirs then.
SELECT v.claimant_id, iwp_date_key(p.date_of_birth) AS dob_key,
  (CASE v.conditionality_group WHEN 'work_preparation' THEN 1 WHEN 'work_focused_interview' THEN 2
    WHEN 'no_work_related_requirements' THEN 3 ELSE 0 END)::smallint AS grp,
  v.minimum_income_floor AS mif, v.apprentice, (v.expected_hours * 100)::integer AS hours,
  coalesce(v.effective_from, '-infinity'::date) AS v_from, coalesce(v.effective_to, 'infinity'::date) AS v_to
FROM claimants_claimantfacts v
JOIN claimants_claimant p ON p.id = v.claimant_id
WHERE v.claimant_id = ANY (ARRAY(SELECT DISTINCT cl.partner_id FROM upr_cl cl WHERE cl.partner_id IS NOT NULL));
CREATE INDEX ON upr_pf (claimant_id);
ANALYZE upr_pf (claimant_id, v_from, v_to);
DROP TABLE IF EXISTS upr_pe;
CREATE TEMP TABLE upr_pe AS
-- Joint claimants share AP start dates; a partner without earnings for an AP earned nothing in it.
SELECT x.claimant_id, x.period_start,
  (x.employed_earnings * 100)::bigint AS emp, (x.self_employed_earnings * 100)::bigint AS slf
FROM claimants_earningsrecord x
WHERE x.is_current AND x.claimant_id = ANY (ARRAY(SELECT cl.partner_id FROM upr_cl cl WHERE cl.partner_id IS NOT NULL))
  -- Only the periods being decided.
  AND x.period_start >= (SELECT min(s.first_start) FROM upr_span s);
-- Indexed, so a nested loop chosen on a low estimate is a lookup per row, not a scan.
CREATE INDEX ON upr_pe (claimant_id, period_start);
ANALYZE upr_pe (claimant_id, period_start);
