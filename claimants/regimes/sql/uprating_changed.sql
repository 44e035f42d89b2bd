-- APs whose regime differs from the previous AP's, with the previous AP's earnings and the previous earnings
-- decided under this AP's parameters and circumstances ("carried": cycling._classify's earnings test).
DROP TABLE IF EXISTS upr_changed;
CREATE TEMP TABLE upr_changed AS
SELECT r.claimant_id, r.period_start,
  p.emp AS prev_emp, p.slf AS prev_slf, p.pemp AS prev_pemp, p.pslf AS prev_pslf, p.paydays AS prev_paydays,
  p.same_run AS prev_same_run, p.prev_code AS prev2_code,
  iwp_classify(r.grp, r.mif, p.emp, p.emp + p.slf, r.cet, r.kind > 0, p.emp + p.pemp,
               p.emp + p.slf + p.pemp + p.pslf, r.hh, r.aet_s, r.aet_c) AS carried
FROM upr_rows r
JOIN upr_rows p ON p.claimant_id = r.claimant_id AND p.period_start = r.prev_start
WHERE iwp_regime_rank(r.code) <> iwp_regime_rank(r.prev_code);
