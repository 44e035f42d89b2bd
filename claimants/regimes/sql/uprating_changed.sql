-- APs whose regime differs from the previous AP's, with the previous AP's earnings and the previous earnings
-- decided under this AP's parameters and circumstances ("carried": cycling._classify's earnings test).
DROP TABLE IF EXISTS upr_changed;
CREATE TEMP TABLE upr_changed AS
SELECT r.claimant_id, r.period_start,
  -- The AP's own figures too, for the cycling detector (uprating_cycling.sql), which then reads this small table
  -- alone instead of joining it back to every decided AP (a sort of 264,000 APs for 18,000 crossings).
  r.prev_start, r.code, r.prev_code, r.prev_kind, r.same_run, r.emp, r.slf, r.pemp, r.pslf, r.paydays, r.grp,
  r.mif, r.kind, r.cet, r.hh, r.aet_s, r.aet_c,
  p.emp AS prev_emp, p.slf AS prev_slf, p.pemp AS prev_pemp, p.pslf AS prev_pslf, p.paydays AS prev_paydays,
  p.same_run AS prev_same_run, p.prev_code AS prev2_code,
  iwp_classify(r.grp, r.mif, p.emp, p.emp + p.slf, r.cet, r.kind > 0, p.emp + p.pemp,
               p.emp + p.slf + p.pemp + p.pslf, r.hh, r.aet_s, r.aet_c) AS carried
FROM upr_rows r
JOIN upr_rows p ON p.claimant_id = r.claimant_id AND p.period_start = r.prev_start
WHERE iwp_regime_rank(r.code) <> iwp_regime_rank(r.prev_code);
-- The insert looks up the cause of a move here, one AP at a time (uprating_insert.sql).
CREATE INDEX ON upr_changed (claimant_id, period_start);
