-- The APs whose outcome differs from the latest history row (upr_old, uprating_latest.sql; claimant_recalculate's
-- _same_outcome: regime, partner's regime, earnings, easement and every threshold as displayed). Only these are
-- written.
DROP TABLE IF EXISTS upr_write;
CREATE TEMP TABLE upr_write AS
SELECT r.*, a.old_id, a.regime AS old_regime
FROM upr_rows r
JOIN upr_old a ON a.claimant_id = r.claimant_id AND a.period_start = r.period_start
WHERE a.old_id IS NULL
  OR a.regime <> iwp_regime_name(r.code)
  OR a.partner_regime <> coalesce(iwp_regime_name(r.p_code), '')
  OR a.employed_earnings <> r.employed_earnings
  OR a.self_employed_earnings <> r.self_employed_earnings
  OR a.easement_active <> r.easement
  OR a.aet_individual <> iwp_money(r.aet_s)
  OR a.cet_individual <> iwp_money(r.cet)
  OR a.aet_couple IS DISTINCT FROM (CASE WHEN r.kind > 0 THEN iwp_money(r.aet_c) END)
  OR a.cet_partner IS DISTINCT FROM (CASE WHEN r.kind = 1 THEN iwp_money(r.pcet) END)
  OR a.cet_household IS DISTINCT FROM (CASE WHEN r.kind > 0 THEN iwp_money(r.hh) END);
