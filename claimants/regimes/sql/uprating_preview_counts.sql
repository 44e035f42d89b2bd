-- The preview's counts for one chunk in one grouped read: per old regime (the
-- latest history row), new regime, the claimant's current regime (on their latest AP's row only), whether the AP
-- would be written, and whether it is on or after the change. "Written" is uprating_insert.sql's test, kept in
-- step with it (the preview-equals-job test checks the two agree). Params: lo, hi, effective_from.
SELECT o.regime, iwp_regime_name(r.code),
  CASE WHEN r.period_start = s.last_start THEN c.current_regime END,
  (o.old_id IS NULL
    OR o.regime <> iwp_regime_name(r.code)
    OR o.partner_regime <> coalesce(iwp_regime_name(r.p_code), '')
    OR o.employed_earnings <> r.employed_earnings
    OR o.self_employed_earnings <> r.self_employed_earnings
    OR o.easement_active <> r.easement
    OR o.aet_individual <> iwp_money(r.aet_s)
    OR o.cet_individual <> iwp_money(r.cet)
    OR o.aet_couple IS DISTINCT FROM (CASE WHEN r.kind > 0 THEN iwp_money(r.aet_c) END)
    OR o.cet_partner IS DISTINCT FROM (CASE WHEN r.kind = 1 THEN iwp_money(r.pcet) END)
    OR o.cet_household IS DISTINCT FROM (CASE WHEN r.kind > 0 THEN iwp_money(r.hh) END)),
  r.period_start >= %(effective_from)s,
  count(*)
FROM upr_rows r
JOIN upr_span s ON s.claimant_id = r.claimant_id
JOIN upr_old o ON o.claimant_id = r.claimant_id AND o.period_start = r.period_start
-- The chunk's claimants read once in id order, not probed one by one (see uprating_rows.sql).
JOIN (
  SELECT x.id, x.current_regime FROM claimants_claimant x WHERE x.id >= %(lo)s AND x.id < %(hi)s OFFSET 0
) c ON c.id = r.claimant_id
GROUP BY 1, 2, 3, 4, 5
