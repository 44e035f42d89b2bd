-- Whether a decided AP (w: upr_rows, or classify_floor.sql's decided) differs from its latest history row (a; none:
-- never calculated): claimant_recalculate's _same_outcome, i.e. regime, partner's regime, earnings, easement and
-- every threshold as displayed, compared as the row's stored fingerprint against the fingerprint of the outcome
-- the row would get (iwp_outcome_fingerprint, migrations 0021 and 0023: the same function computes the stored
-- one; money goes in as it is, at most to the penny). A fragment, included by uprating_insert.sql,
-- uprating_settle.sql and uprating_preview_compared.sql.
(a.old_id IS NULL
  OR a.outcome_fingerprint <> iwp_outcome_fingerprint(iwp_regime_name(w.code), coalesce(iwp_regime_name(w.p_code), ''),
    w.employed_earnings, w.self_employed_earnings, w.easement, iwp_money(w.aet_s), iwp_money(w.cet),
    CASE WHEN w.kind > 0 THEN iwp_money(w.aet_c) END, CASE WHEN w.kind = 1 THEN iwp_money(w.pcet) END,
    CASE WHEN w.kind > 0 THEN iwp_money(w.hh) END))
