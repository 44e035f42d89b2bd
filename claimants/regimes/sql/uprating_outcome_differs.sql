-- Whether a decided AP (w: upr_rows) differs from its latest history row (a: upr_old; none: never calculated):
-- claimant_recalculate's _same_outcome, i.e. regime, partner's regime, earnings, easement and every threshold as
-- displayed. A fragment, included by uprating_insert.sql and uprating_preview_compared.sql ("/* include ... */").
(a.old_id IS NULL
  OR a.regime <> iwp_regime_name(w.code)
  OR a.partner_regime <> coalesce(iwp_regime_name(w.p_code), '')
  OR a.employed_earnings <> w.employed_earnings
  OR a.self_employed_earnings <> w.self_employed_earnings
  OR a.easement_active <> w.easement
  OR a.aet_individual <> iwp_money(w.aet_s)
  OR a.cet_individual <> iwp_money(w.cet)
  OR a.aet_couple IS DISTINCT FROM (CASE WHEN w.kind > 0 THEN iwp_money(w.aet_c) END)
  OR a.cet_partner IS DISTINCT FROM (CASE WHEN w.kind = 1 THEN iwp_money(w.pcet) END)
  OR a.cet_household IS DISTINCT FROM (CASE WHEN w.kind > 0 THEN iwp_money(w.hh) END))
